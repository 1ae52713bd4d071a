"""
MISTAKE: Every row is drawn from the first row's CDF (probs[0] instead of probs).
"""
import torch


def sample(probs, generator):
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    cdf = probs[0].cumsum(-1).expand_as(probs)
    return (cdf < u).sum(-1).clamp(max=probs.shape[-1] - 1).long()
