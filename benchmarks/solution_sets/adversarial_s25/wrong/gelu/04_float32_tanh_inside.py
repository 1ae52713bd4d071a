"""Adversarial (s25): a true float32 step: the precision reading should name it (a control)

MISTAKE: The tanh's argument is cast to float32 and back ('tanh is only accurate in float32'), everything else in the input dtype.
"""

import math

import torch
from torch import nn

def gelu(x):
    inner = (math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)).float()
    return 0.5 * x * (1.0 + torch.tanh(inner).to(x.dtype))
