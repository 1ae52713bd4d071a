"""
CORRECT: Float64 log-softmax, descending argsort, exclusive cumsum via a shifted cumsum (cat of a zero column), and the inverse permutation argsort(order) with gather to return to vocabulary order; cast back.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    lp = torch.log_softmax(logits.to(torch.float64) / temperature, dim=-1)
    probs = lp.exp()
    order = torch.argsort(probs, dim=-1, descending=True)
    sp = probs.gather(-1, order)
    csum = sp.cumsum(dim=-1)
    above = torch.cat([torch.zeros_like(csum[..., :1]), csum[..., :-1]], dim=-1)
    kept_sorted = sp * (above < p).to(sp.dtype)
    inverse = torch.argsort(order, dim=-1)
    kept = kept_sorted.gather(-1, inverse)
    return (kept / kept.sum(dim=-1, keepdim=True)).to(logits.dtype)
