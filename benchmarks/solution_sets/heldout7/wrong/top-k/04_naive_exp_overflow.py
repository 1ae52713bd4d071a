"""
MISTAKE: Computes the softmax as a bare `exp(s) / exp(s).sum()` without subtracting the row maximum, which overflows to inf/inf = NaN for large logits or small temperatures.
EXPECTED DIAGNOSIS: Overflowing softmax: subtract the row max before exp (or use torch.softmax); logits ~1e4 or temperature 0.05 give NaN.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    vals, idx = torch.topk(s, k, dim=-1)
    e = torch.exp(vals)
    p = e / e.sum(dim=-1, keepdim=True)
    return torch.zeros_like(s).scatter(-1, idx, p)
