"""Problem 23 - lora-linear.  Run `grader show lora-linear` for the statement.

Write `lora_linear(x, w, a, b, alpha)`: the frozen layer plus the scaled low-rank update,
    x @ w + (alpha / r) * (x @ a) @ b,   r = a.shape[1]
"""

import torch


def lora_linear(x: torch.Tensor, w: torch.Tensor, a: torch.Tensor, b: torch.Tensor, alpha: float) -> torch.Tensor:
    """x: (..., d_in); w: (d_in, d_out); a: (d_in, r); b: (r, d_out) -> (..., d_out), same dtype as x."""
    raise NotImplementedError("lora-linear: implement lora_linear(x, w, a, b, alpha)")
