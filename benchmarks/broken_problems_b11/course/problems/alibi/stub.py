"""Problem 18 - alibi.  Run `grader show alibi` for the statement.

Write `add_alibi(scores)`: add to head h's scores the bias -m_h * |i - j|, with
m_h = 2 ** (-8 * (h + 1) / H) and H = scores.shape[1].
"""

import torch


def add_alibi(scores: torch.Tensor) -> torch.Tensor:
    """scores: (N, H, T, T) -> (N, H, T, T), same dtype as scores."""
    raise NotImplementedError("alibi: implement add_alibi(scores)")
