"""CORRECT top-p: in float64, log-softmax of the scaled logits, sort, mass above = cumsum - own prob, builds
a keep mask in sorted order, scatters the mask back to vocabulary order, renormalises the kept probabilities
and casts back.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    lp = torch.log_softmax(logits.double() / temperature, dim=-1)
    probs = lp.exp()
    sp, idx = torch.sort(probs, dim=-1, descending=True)
    keep_sorted = (sp.cumsum(-1) - sp) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, idx, keep_sorted)
    out = probs * keep
    out = out / out.sum(-1, keepdim=True)
    return out.to(logits.dtype)
