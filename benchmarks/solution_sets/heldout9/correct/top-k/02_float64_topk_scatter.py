"""CORRECT: float64 inside, softmax of only the k top values (manual, row-max subtracted) scattered into a zero tensor, cast back."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits.double() / temperature
    vals, idx = torch.topk(s, k, dim=-1)
    e = torch.exp(vals - vals[..., :1])              # vals[..., 0] is the row maximum (finite)
    p = e / e.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(s).scatter(-1, idx, p)
    return out.to(logits.dtype)
