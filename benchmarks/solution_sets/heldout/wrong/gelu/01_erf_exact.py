"""MISTAKE: implements the exact erf GELU instead of the tanh approximation
EXPECTED DIAGNOSIS: The contract is the tanh approximation; 0.5*x*(1+erf(x/sqrt(2))) differs by up to ~5e-4 near |x|~2.7.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
