"""
MISTAKE: Implements the exact GELU 0.5 * x * (1 + erf(x / sqrt(2))) from the GELU/BERT paper instead of the required tanh approximation (off by up to ~5e-4 around |x| = 2.7).
EXPECTED DIAGNOSIS: Exact (erf) GELU instead of the tanh approximation; use 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    # GELU(x) = x * Phi(x), Phi the standard normal CDF
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
