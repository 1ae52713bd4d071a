"""Problem 22 - causal-conv1d.  Run `grader show causal-conv1d` for the statement.

Write `causal_conv1d(x, weight, bias)`: per channel c,
    y[n, t, c] = bias[c] + sum_k weight[c, k] * x[n, t - (K - 1) + k, c]
with zeros before position 0.
"""

import torch


def causal_conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """x: (N, T, C); weight: (C, K); bias: (C,) -> (N, T, C), same dtype as x."""
    raise NotImplementedError("causal-conv1d: implement causal_conv1d(x, weight, bias)")
