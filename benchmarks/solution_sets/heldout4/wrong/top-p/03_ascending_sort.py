"""
MISTAKE: Sorts with torch.sort's default ascending order, so the "mass above" is accumulated from the least likely token and the nucleus keeps the unlikely tail instead of the head.
EXPECTED DIAGNOSIS: Tokens must be ranked from most to least likely: sort(descending=True); with an ascending sort you keep the least likely tokens.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = (logits / temperature).softmax(-1)
    sp, order = probs.sort(-1)
    mass_above = sp.cumsum(-1) - sp
    sp = sp.masked_fill(mass_above >= p, 0.0)
    sp = sp / sp.sum(-1, keepdim=True)
    out = torch.empty_like(probs)
    out.scatter_(-1, order, sp)
    return out
