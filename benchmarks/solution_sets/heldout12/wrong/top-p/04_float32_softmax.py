"""WRONG top-p: computes the softmax on logits.float() and never casts back.
Mistake: float64 logits come back as float32 probabilities; a good grader should say the dtype must be kept.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sp, dim=-1) - sp
    kept = sp * (above < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, si, kept)
