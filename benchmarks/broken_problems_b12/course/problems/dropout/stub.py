"""Problem 25 - dropout.  Run `grader show dropout` for the statement.

Write `dropout(x, p, training, u)`: in training, zero the elements where u < p and scale
the others by 1 / (1 - p); in evaluation, return x unchanged.
"""

import torch


def dropout(x: torch.Tensor, p: float, training: bool, u: torch.Tensor) -> torch.Tensor:
    """x, u: same shape and dtype; u uniform in [0, 1) -> same shape and dtype as x."""
    raise NotImplementedError("dropout: implement dropout(x, p, training, u)")
