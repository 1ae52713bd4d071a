"""Adversarial (s25): default eps differs by dtype: the eps reading of one trial

MISTAKE: eps is torch.finfo(x.dtype).eps when none is passed ('machine epsilon'), the passed eps otherwise.
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=None):
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
