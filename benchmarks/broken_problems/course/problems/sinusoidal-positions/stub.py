"""Problem 17 - sinusoidal-positions.  Run `grader show sinusoidal-positions` for the statement.

Write `sinusoidal_positions(positions, d_model, base)`:
    pe[..., 2i] = sin(p / base ** (2i / d_model)),  pe[..., 2i + 1] = cos(same)
"""

import torch


def sinusoidal_positions(positions: torch.Tensor, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """positions: float (...) -> (..., d_model), same dtype as positions."""
    raise NotImplementedError("sinusoidal-positions: implement sinusoidal_positions(positions, d_model, base)")
