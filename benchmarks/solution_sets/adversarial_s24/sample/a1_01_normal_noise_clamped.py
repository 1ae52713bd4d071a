"""
MISTAKE: u drawn from a normal clamped to (0, 1) instead of a uniform (inverse-CDF sampling).
"""
import torch

def sample(probs, generator):
    u = torch.randn(probs.shape[0], 1, generator=generator, dtype=probs.dtype).clamp(1e-6, 1 - 1e-6)
    cdf = probs.cumsum(-1)
    idx = (cdf < u).sum(-1)
    return idx.clamp(max=probs.shape[-1] - 1).long()
