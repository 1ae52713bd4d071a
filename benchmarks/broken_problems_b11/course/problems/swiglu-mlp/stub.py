"""Problem 14 - swiglu-mlp.  Run `grader show swiglu-mlp` for the statement.

Write `swiglu_mlp(x, w_gate, w_up, w_down)`: the gated feed-forward of LLaMA,
    (silu(x @ w_gate) * (x @ w_up)) @ w_down,   silu(z) = z * sigmoid(z)
"""

import torch


def swiglu_mlp(x: torch.Tensor, w_gate: torch.Tensor, w_up: torch.Tensor,
               w_down: torch.Tensor) -> torch.Tensor:
    """x: (..., d); w_gate, w_up: (d, f); w_down: (f, d) -> (..., d), same dtype as x."""
    raise NotImplementedError("swiglu-mlp: implement swiglu_mlp(x, w_gate, w_up, w_down)")
