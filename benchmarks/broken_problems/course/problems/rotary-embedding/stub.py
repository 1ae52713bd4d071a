"""Problem 18 - rotary-embedding.  Run `grader show rotary-embedding` for the statement.

Write `apply_rotary(x, positions, base)`: rotate feature j with feature j + d/2 by the
angle positions * base ** (-2j / d) (rotate-half layout):
    x * cos + rotate_half(x) * sin,   rotate_half(x) = cat([-x2, x1])
"""

import torch


def apply_rotary(x: torch.Tensor, positions: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """x: (N, H, T, d); positions: int64 (N, T) -> (N, H, T, d), same dtype as x."""
    raise NotImplementedError("rotary-embedding: implement apply_rotary(x, positions, base)")
