"""Adversarial (s25): the row-variance reading could fit one e

MISTAKE: eps added twice: (x - mean) / (sqrt(var + eps) + eps).
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / (torch.sqrt(var + eps) + eps)
