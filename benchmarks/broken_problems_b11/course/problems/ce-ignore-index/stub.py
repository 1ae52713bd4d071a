"""Problem 16 - ce-ignore-index.  Run `grader show ce-ignore-index` for the statement.

Write `lm_cross_entropy(logits, targets, ignore_index)`: the mean of
-log_softmax(logits)[target] over the positions whose target is not ignore_index.
"""

import torch


def lm_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -1) -> torch.Tensor:
    """logits: (N, T, V); targets: (N, T) int64 -> 0-d tensor, same dtype as logits."""
    raise NotImplementedError("ce-ignore-index: implement lm_cross_entropy(logits, targets, ignore_index)")
