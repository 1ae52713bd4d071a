"""CORRECT top-p: softmax(logits / T), descending sort, exclusive cumsum built by shifting, keep where the mass
above is < p, renormalise, and put back in vocabulary order with gather through the inverse permutation
(argsort of the sort indices).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, order = probs.sort(dim=-1, descending=True)
    csum = sp.cumsum(dim=-1)
    above = torch.cat([torch.zeros_like(csum[..., :1]), csum[..., :-1]], dim=-1)
    kept = torch.where(above < p, sp, torch.zeros_like(sp))
    kept = kept / kept.sum(dim=-1, keepdim=True)
    inverse = order.argsort(dim=-1)
    return kept.gather(-1, inverse)
