"""CORRECT (argsort plus inverse permutation (argsort of argsort) to map the keep mask back, take_along_dim).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = (logits / temperature).softmax(-1)
    order = probs.argsort(dim=-1, descending=True)
    ranked = probs.take_along_dim(order, dim=-1)
    mass_above = ranked.cumsum(-1) - ranked
    keep_ranked = mass_above < p
    inverse = order.argsort(dim=-1)
    keep = keep_ranked.take_along_dim(inverse, dim=-1)
    masked = probs.masked_fill(~keep, 0.0)
    return masked / masked.sum(-1, keepdim=True)
