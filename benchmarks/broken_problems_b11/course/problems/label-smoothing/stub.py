"""Problem 15 - label-smoothing.  Run `grader show label-smoothing` for the statement.

Write `label_smoothing_ce(logits, targets, smoothing)`: the mean over the batch of
    (1 - smoothing) * (-log p[y]) + smoothing * mean_v(-log p[v])
with p = softmax(logits) over the last dimension.
"""

import torch


def label_smoothing_ce(logits: torch.Tensor, targets: torch.Tensor, smoothing: float = 0.1) -> torch.Tensor:
    """logits: (N, V) float; targets: (N,) int64 in [0, V) -> 0-d tensor, same dtype as logits."""
    raise NotImplementedError("label-smoothing: implement label_smoothing_ce(logits, targets, smoothing)")
