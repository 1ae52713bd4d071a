"""WRONG top-p: renormalises the kept probabilities by dividing by p instead of by their own sum.
Mistake: rows do not sum to 1 (right only when p = 1 or the kept mass happens to equal p); a good grader
should say the kept probabilities must be divided by the kept mass.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sp, dim=-1) - sp
    kept = sp * (above < p)
    kept = kept / p
    return torch.zeros_like(probs).scatter(-1, si, kept)
