"""WRONG: computes GELU after x.float() and casts the result back to x.dtype, so float64 inputs come back
float64 but with only float32 precision (errors ~1e-7 relative, far above the 1e-8 float64 tolerance).
A good grader should say the float64 cases lose precision because the computation is done in float32.
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xf = x.float()
    y = 0.5 * xf * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (xf + 0.044715 * xf ** 3)))
    return y.to(x.dtype)
