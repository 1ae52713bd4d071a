"""
MISTAKE: Clamps x to [-10, 10] before the formula to 'avoid overflow of x**3', so for x > 10 it returns about 10 instead of x (and the outer factor uses the clamped x).
EXPECTED DIAGNOSIS: Large inputs are wrong: GELU(x) should tend to x for large positive x, but the clamp caps the output at 10; no clamping is needed with torch.tanh.
"""
import math

import torch

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    # keep x**3 finite
    xc = x.clamp(-10.0, 10.0)
    return 0.5 * xc * (1.0 + torch.tanh(_SQRT_2_OVER_PI * (xc + 0.044715 * xc * xc * xc)))
