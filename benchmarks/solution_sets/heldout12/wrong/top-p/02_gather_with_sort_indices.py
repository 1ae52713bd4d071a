"""WRONG top-p: puts the sorted kept probabilities back with kept.gather(-1, sort_indices), applying the sort
permutation a second time instead of its inverse.
Mistake: probabilities land on the wrong tokens; a good grader should say the un-sorting uses the forward
permutation (scatter with the indices, or gather with their argsort).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sp, dim=-1) - sp
    kept = sp * (above < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return kept.gather(-1, si)
