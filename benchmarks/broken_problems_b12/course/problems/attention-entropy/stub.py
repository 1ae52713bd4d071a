"""Problem 24 - attention-entropy.  Run `grader show attention-entropy` for the statement.

Write `attention_entropy(weights)`: -sum p log p over the last dimension, 0 log 0 = 0.
"""

import torch


def attention_entropy(weights: torch.Tensor) -> torch.Tensor:
    """weights: (..., T_q, T_k), rows summing to 1 -> (..., T_q), same dtype."""
    raise NotImplementedError("attention-entropy: implement attention_entropy(weights)")
