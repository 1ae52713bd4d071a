"""Adversarial (s25): close to GELU everywhere: erf or constant readings

MISTAKE: Uses the sigmoid approximation x * sigmoid(1.702 x) instead of the tanh form.
"""

import math

import torch
from torch import nn

def gelu(x):
    return x * torch.sigmoid(1.702 * x)
