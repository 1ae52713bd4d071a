"""Problem 22 - min-p.  Run `grader show min-p` for the statement.

Write `min_p_probs(logits, min_p, temperature)`: softmax(logits / temperature), keep the
tokens with p >= min_p * max(p) in each row, renormalise the kept ones.
"""

import torch


def min_p_probs(logits: torch.Tensor, min_p: float, temperature: float = 1.0) -> torch.Tensor:
    """logits: (..., V) -> probabilities (..., V), same dtype."""
    raise NotImplementedError("min-p: implement min_p_probs(logits, min_p, temperature)")
