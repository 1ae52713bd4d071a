"""
MISTAKE: Hard-codes 1e-5 inside the square root, so a caller's non-default eps is ignored.
EXPECTED DIAGNOSIS: Use the eps argument: sqrt(var + eps). Your output is right for the default but wrong whenever eps is passed (noticeable on low-variance rows).
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)
