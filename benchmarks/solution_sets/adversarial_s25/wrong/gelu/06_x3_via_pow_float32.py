"""Adversarial (s25): a true float32 step in one term (control), but overflows for huge x in float32

MISTAKE: The cubic term is computed as torch.pow(x.float(), 3) (float32), the rest in the input dtype.
"""

import math

import torch
from torch import nn

def gelu(x):
    cube = torch.pow(x.float(), 3).to(x.dtype)
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * cube)))
