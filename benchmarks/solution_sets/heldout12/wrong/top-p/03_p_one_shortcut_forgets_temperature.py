"""WRONG top-p: shortcut `if p >= 1: return torch.softmax(logits, dim=-1)` for p = 1.
Mistake: the shortcut skips the temperature, so p = 1 with T != 1 is wrong; a good grader should say the p = 1
case must still be softmax(logits / T).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    if p >= 1.0:
        return torch.softmax(logits, dim=-1)
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sp, dim=-1) - sp
    kept = sp * (above < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, si, kept)
