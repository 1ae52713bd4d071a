"""Adversarial (s25): the 'd = 1' and '(1, 768)' cases coincide with other readings

MISTAKE: For 2-D inputs normalises over dim 0 (thinks of a (d, N) layout); other ranks use the last dim.
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    dim = 0 if x.dim() == 2 else -1
    mean = x.mean(dim=dim, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=dim, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
