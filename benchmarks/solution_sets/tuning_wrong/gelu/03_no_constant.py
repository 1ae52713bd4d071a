"""gelu: a realistic wrong solution (tuning set).

MISTAKE: forgot the sqrt(2/pi) factor (c = 1)
EXPECTED DIAGNOSIS: constant in front is 1
KEYWORDS: constant, 1 
"""
import math
import torch


def gelu(x):
    c = 1.0
    inner = c * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
