"""Problem 17 - rotary-embedding.  Run `grader show rotary-embedding` for the statement.

Write `apply_rotary(x, base)`: rotate feature pairs (i, i + d/2) of the vector at
position t by the angle t * base ** (-2i / d).
"""

import torch


def apply_rotary(x: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """x: (..., T, d), d even -> (..., T, d), same dtype as x."""
    raise NotImplementedError("rotary-embedding: implement apply_rotary(x, base)")
