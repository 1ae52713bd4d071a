"""Problem 14 - cross-entropy-ignore.  Run `grader show cross-entropy-ignore` for the statement.

Write `cross_entropy(logits, targets, ignore_index)`: the mean of -log softmax(logits)[target]
over the positions whose target is not ignore_index.
"""

import torch


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """logits: (N, C) or (N, T, C); targets: int64 (N,) or (N, T) -> 0-d tensor, logits' dtype."""
    raise NotImplementedError("cross-entropy-ignore: implement cross_entropy(logits, targets, ignore_index)")
