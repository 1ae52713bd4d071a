"""
MISTAKE: Works in float64 for a precise cumulative sum but returns the float64 result without casting back, so float32 logits come back as float64 probabilities.
EXPECTED DIAGNOSIS: Wrong dtype: the probabilities must have the logits' dtype; cast the result back with `.to(logits.dtype)` (values are right).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits.double() / temperature, dim=-1)   # float64 for an exact cumsum
    sp, order = probs.sort(dim=-1, descending=True)
    above = torch.cat([torch.zeros_like(sp[..., :1]), sp.cumsum(-1)[..., :-1]], dim=-1)
    sp = torch.where(above < p, sp, torch.zeros_like(sp))
    sp = sp / sp.sum(-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, sp)
