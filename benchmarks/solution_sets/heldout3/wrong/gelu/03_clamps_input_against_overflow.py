"""
MISTAKE: Clamps x to [-10, 10] before the whole formula to avoid x**3 overflow, so for x > 10 it returns ~10 instead of x.
EXPECTED DIAGNOSIS: Guarding against overflow is right in spirit, but you clamped the x that multiplies the result too: GELU(x) -> x for large x, yours saturates at 10. Clamp only inside the tanh argument, or rely on tanh(inf) = 1.
"""
import math

import torch

def gelu(x):
    x = x.clamp(-10.0, 10.0)  # avoid overflow of x**3 for huge inputs
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1 + torch.tanh(inner))
