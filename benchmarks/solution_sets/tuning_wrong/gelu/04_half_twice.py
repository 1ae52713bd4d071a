"""gelu: a realistic wrong solution (tuning set).

MISTAKE: multiplies by 0.25 (0.5 applied twice)
EXPECTED DIAGNOSIS: output scaled by 0.5
KEYWORDS: scaled, 0.5
"""
import math
import torch


def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * 0.5 * x * (1.0 + torch.tanh(inner))
