"""gelu: a realistic wrong solution (tuning set).

MISTAKE: cubic coefficient typed 0.04715
EXPECTED DIAGNOSIS: the cubic coefficient is 0.04715
KEYWORDS: cubic coefficient, 0.047
"""
import math
import torch


def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.04715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
