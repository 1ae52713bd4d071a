"""
MISTAKE: Uses the "quick GELU" `x * sigmoid(1.702 * x)` (as in CLIP) instead of the tanh approximation; it differs by up to about 2e-2.
EXPECTED DIAGNOSIS: This is the sigmoid(1.702x) approximation, not the tanh GELU: use `0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))` (equivalently `x*sigmoid(2*sqrt(2/pi)*(x+0.044715*x**3))`).
"""

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    # GELU(x) ~= x * sigmoid(1.702 x), the cheap sigmoid form of the tanh approximation
    return x * torch.sigmoid(1.702 * x)
