"""MISTAKE: implements the exact erf GELU instead of the tanh approximation
EXPECTED DIAGNOSIS: The problem asks for the tanh approximation; the erf form differs by up to ~5e-4.
"""
import math

import torch


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
