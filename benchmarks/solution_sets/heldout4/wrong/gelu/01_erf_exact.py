"""
MISTAKE: Implements the exact GELU 0.5 * x * (1 + erf(x / sqrt(2))) instead of the required tanh approximation.
EXPECTED DIAGNOSIS: This is the erf (exact) GELU; the problem asks for the tanh approximation 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x^3))), which differs by up to ~5e-4.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
