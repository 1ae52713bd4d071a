"""
MISTAKE: Centres x but divides by the root-mean-square of the UNcentred x (mixes RMSNorm into layer norm): var = mean(x**2) instead of mean((x-mean)**2).
EXPECTED DIAGNOSIS: Your denominator uses x**2 of the raw input, not of x - mean; that is RMSNorm's scale. The variance must be of the centred values; it only agrees when the row mean is 0.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = (x * x).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
