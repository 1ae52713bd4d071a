"""MISTAKE: hand-written softmax without subtracting the max: exp overflows to inf and gives NaN for large logits
EXPECTED DIAGNOSIS: Subtract each row's max before exp (or use torch.softmax); logits ~1e4 or low temperatures overflow float32.
"""
import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    dtype = logits.dtype
    s = logits.to(torch.float64) / temperature
    flat = s.reshape(-1, s.shape[-1])
    out = torch.zeros_like(flat)
    for r in range(flat.shape[0]):
        row = flat[r]
        order = torch.argsort(row, descending=True)[:k]
        top = row[order]
        e = torch.exp(top.to(dtype)).to(torch.float64)
        out[r, order] = e / e.sum()
    return out.reshape(s.shape).to(dtype)
