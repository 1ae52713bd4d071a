"""Problem 21 - causal-conv1d.  Run `grader show causal-conv1d` for the statement.

Write `causal_conv1d(x, weight, bias, dilation)`: a depthwise convolution along time that
only looks back,
    y[n, c, t] = bias[c] + sum_k weight[c, k] * x[n, c, t - (K - 1 - k) * dilation]
"""

import torch
import torch.nn.functional as F


def causal_conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None, dilation: int = 1) -> torch.Tensor:
    """x: (N, C, T); weight: (C, K); bias: (C,) or None -> (N, C, T), same dtype."""
    raise NotImplementedError("causal-conv1d: implement causal_conv1d(x, weight, bias, dilation)")
