"""Problem 16 - swiglu.  Run `grader show swiglu` for the statement.

Write `swiglu(x, w_gate, w_up, w_down)`:
    (silu(x @ w_gate) * (x @ w_up)) @ w_down,   silu(z) = z * sigmoid(z)
"""

import torch


def swiglu(x: torch.Tensor, w_gate: torch.Tensor, w_up: torch.Tensor, w_down: torch.Tensor) -> torch.Tensor:
    """x: (..., d_model); w_gate, w_up: (d_model, d_ff); w_down: (d_ff, d_model) -> (..., d_model)."""
    raise NotImplementedError("swiglu: implement swiglu(x, w_gate, w_up, w_down)")
