"""gelu: a realistic wrong solution (tuning set).

MISTAKE: uses sqrt(pi/2) instead of sqrt(2/pi)
EXPECTED DIAGNOSIS: the constant is sqrt(pi/2)
KEYWORDS: sqrt(pi/2)
"""
import math
import torch


def gelu(x):
    c = math.sqrt(math.pi / 2.0)
    inner = c * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
