"""
MISTAKE: One uniform number for the whole batch.
"""
import torch


def sample(probs, generator):
    u = torch.rand(1, generator=generator, dtype=probs.dtype)
    cdf = probs.cumsum(-1)
    return (cdf < u).sum(-1).clamp(max=probs.shape[-1] - 1).long()
