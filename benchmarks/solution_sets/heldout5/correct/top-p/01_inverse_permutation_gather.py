"""
CORRECT: Exclusive cumulative mass via a shifted cumsum, then the sort is undone with a gather on the inverse permutation (`order.argsort(-1)`) instead of a scatter.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    cum = torch.cumsum(sorted_p, dim=-1)
    above = torch.nn.functional.pad(cum[..., :-1], (1, 0), value=0.0)
    kept = sorted_p * (above < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    inverse = order.argsort(dim=-1)
    return kept.gather(-1, inverse)
