"""Adversarial (s25): a precision reading could name float32 (the wrong narrow type)

MISTAKE: The statistics are computed in float16 (x.half()) 'to save memory', then cast back.
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    h = x.half()
    mean = h.mean(dim=-1, keepdim=True)
    var = ((h - mean) ** 2).mean(dim=-1, keepdim=True)
    return ((h - mean) / torch.sqrt(var + eps)).to(x.dtype)
