"""CORRECT: hand-written softmax, shifted cumsum with cat, renormalise in sorted order then scatter"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits / temperature
    e = torch.exp(s - s.amax(dim=-1, keepdim=True))
    probs = e / e.sum(dim=-1, keepdim=True)
    vals, idx = probs.sort(dim=-1, descending=True)
    csum = vals.cumsum(dim=-1)
    shifted = torch.cat([torch.zeros_like(csum[..., :1]), csum[..., :-1]], dim=-1)   # mass strictly above
    vals = torch.where(shifted < p, vals, torch.zeros_like(vals))
    vals = vals / vals.sum(dim=-1, keepdim=True)
    out = torch.empty_like(probs)
    out.scatter_(-1, idx, vals)
    return out
