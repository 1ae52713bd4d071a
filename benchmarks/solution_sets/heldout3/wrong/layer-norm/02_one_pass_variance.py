"""
MISTAKE: Computes the variance in one pass as E[x^2] - E[x]^2, which cancels catastrophically in float32 for rows with a large mean (and can go negative -> NaN for constant rows).
EXPECTED DIAGNOSIS: The formula is algebraically right but numerically unstable: with a large mean, E[x^2] and mean^2 are huge and nearly equal, so float32 loses the variance. Subtract the mean first, then average the squares (two-pass).
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = (x ** 2).mean(dim=-1, keepdim=True) - mean ** 2
    return (x - mean) / torch.sqrt(var + eps)
