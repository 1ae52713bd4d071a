"""CORRECT: float64 python loop over rows, argsort, hand-stable softmax
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
        m = top[0]
        e = torch.exp(top - m)
        out[r, order] = e / e.sum()
    return out.reshape(s.shape).to(dtype)
