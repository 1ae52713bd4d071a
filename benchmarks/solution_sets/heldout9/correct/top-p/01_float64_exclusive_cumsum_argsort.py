"""CORRECT: float64 inside, exclusive cumsum via a prepended zero column, unsort by gathering with the inverse permutation argsort(order), cast back."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits.double() / temperature, dim=-1)
    order = torch.argsort(probs, dim=-1, descending=True)
    ranked = torch.gather(probs, -1, order)
    zero = torch.zeros_like(ranked[..., :1])
    above = torch.cat([zero, ranked.cumsum(-1)[..., :-1]], dim=-1)
    keep_ranked = above < p
    inverse = torch.argsort(order, dim=-1)
    keep = torch.gather(keep_ranked, -1, inverse)
    kept = torch.where(keep, probs, torch.zeros_like(probs))
    return (kept / kept.sum(-1, keepdim=True)).to(logits.dtype)
