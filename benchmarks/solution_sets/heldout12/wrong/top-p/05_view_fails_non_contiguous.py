"""WRONG top-p: flattens the leading dimensions with logits.view(-1, V) and restores them with view.
Mistake: a non-contiguous input (e.g. (N, T, V) logits obtained with transpose, which the statement allows)
makes view raise; a good grader should say non-contiguous inputs must work (use reshape).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    shape = logits.shape
    logits = logits.view(-1, shape[-1])
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sp, dim=-1) - sp
    kept = sp * (above < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, si, kept).view(shape)
