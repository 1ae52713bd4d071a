"""Problem 1 - layer-norm.  Run `grader show layer-norm` for the statement.

Write `layer_norm(x, eps)`: normalise over the last dimension,
    (x - mean) / sqrt(var + eps)
with the biased (population) variance. No learned scale or shift.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    raise NotImplementedError("layer-norm: implement layer_norm(x, eps)")
