"""Adversarial (s25): rows near mean 0 coincide with the right one; an eps reading could fit

MISTAKE: The variance is the mean of x**2 (not centred): var = (x**2).mean() - no mean subtracted inside.
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = (x * x).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
