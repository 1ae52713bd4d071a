"""Problem 19 - alibi-bias.  Run `grader show alibi-bias` for the statement.

Write `add_alibi(scores)`: scores (N, H, T, T) plus m_h * (j - i), with the slope of
head h equal to 2 ** (-8 * (h + 1) / H).
"""

import torch


def add_alibi(scores: torch.Tensor) -> torch.Tensor:
    """scores: (N, H, T, T) -> (N, H, T, T), same dtype."""
    raise NotImplementedError("alibi-bias: implement add_alibi(scores)")
