"""Adversarial (s25): right on one row: a rows-mixing or eps reading

MISTAKE: The variance is the mean over the whole tensor of (x - row mean) ** 2 (one variance for every row).
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean()
    return (x - mean) / torch.sqrt(var + eps)
