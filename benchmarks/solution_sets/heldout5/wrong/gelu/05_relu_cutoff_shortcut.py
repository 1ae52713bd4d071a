"""
MISTAKE: A "fast path" returns relu(x) for |x| > 3, assuming GELU has saturated there; at x = 3.5 the tanh GELU is still about 6e-4 below x (and about -6e-4 at x = -3.5, not 0).
EXPECTED DIAGNOSIS: Values with 3 < |x| < ~5.5 are wrong: GELU has not saturated at |x| = 3; evaluate the tanh formula everywhere (torch.tanh already saturates safely for large |x|).
"""

import math

import torch

CUTOFF = 3.0


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    k = math.sqrt(2.0 / math.pi)
    y = 0.5 * x * (1.0 + torch.tanh(k * (x + 0.044715 * x ** 3)))
    # far from 0 GELU is just relu; also avoids x**3 blowing up
    return torch.where(x.abs() > CUTOFF, torch.clamp(x, min=0.0), y)
