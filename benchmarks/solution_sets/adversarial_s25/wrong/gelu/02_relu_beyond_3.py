"""Adversarial (s25): tail-only error looks like a constant or precision slip

MISTAKE: Beyond |x| > 3 returns relu(x) as a 'shortcut' (the tanh is nearly saturated): off by ~4e-3 there.
"""

import math

import torch
from torch import nn

def gelu(x):
    g = 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return torch.where(x.abs() > 3, torch.relu(x), g)
