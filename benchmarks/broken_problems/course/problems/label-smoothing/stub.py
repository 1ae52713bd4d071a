"""Problem 15 - label-smoothing.  Run `grader show label-smoothing` for the statement.

Write `label_smoothed_loss(logits, targets, smoothing)`: cross-entropy against
    q = (1 - smoothing) * one_hot(target) + smoothing / C
averaged over the rows.
"""

import torch


def label_smoothed_loss(logits: torch.Tensor, targets: torch.Tensor, smoothing: float = 0.1) -> torch.Tensor:
    """logits: (N, C); targets: int64 (N,) -> 0-d tensor, logits' dtype."""
    raise NotImplementedError("label-smoothing: implement label_smoothed_loss(logits, targets, smoothing)")
