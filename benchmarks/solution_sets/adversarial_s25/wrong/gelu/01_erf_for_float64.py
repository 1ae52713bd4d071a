"""Adversarial (s25): a float64-only failure could be read as a float32 computation

MISTAKE: float64 inputs get the exact erf GELU (the learner thought double precision deserves the 'exact' one); float32 gets tanh.
"""

import math

import torch
from torch import nn

def gelu(x):
    if x.dtype == torch.float64:
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
