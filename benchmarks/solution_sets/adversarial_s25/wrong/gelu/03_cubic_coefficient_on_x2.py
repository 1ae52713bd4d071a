"""Adversarial (s25): negative-half-only error: an odd/even property reading

MISTAKE: The cubic term written as 0.044715 * x**2 * abs(x) (sign lost for negative x).
"""

import math

import torch
from torch import nn

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x.abs())))
