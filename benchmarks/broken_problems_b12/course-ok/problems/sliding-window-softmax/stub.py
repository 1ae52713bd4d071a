"""Problem 23 - sliding-window-softmax.  Run `grader show sliding-window-softmax` for the statement.

Write `sliding_window_softmax(scores, window)`: a softmax over the keys of each query in
which query i sees only the keys j with i - window < j <= i (its `window` most recent
positions, itself included); every other key gets weight 0.
"""

import torch


def sliding_window_softmax(scores: torch.Tensor, window: int) -> torch.Tensor:
    """scores: (..., T, T) -> weights (..., T, T), same dtype; window >= 1."""
    raise NotImplementedError("sliding-window-softmax: implement sliding_window_softmax(scores, window)")
