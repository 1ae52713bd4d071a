"""
MISTAKE: Implements the exact GELU `0.5*x*(1+erf(x/sqrt(2)))` from the Hendrycks & Gimpel paper instead of the tanh approximation.
EXPECTED DIAGNOSIS: This is the erf (exact) GELU; the contract is the tanh approximation, which differs by up to ~5e-4 near |x|~2.7.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    # GELU(x) = x * Phi(x)
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
