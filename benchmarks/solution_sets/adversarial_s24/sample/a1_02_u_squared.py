"""
MISTAKE: u is the square of a uniform (a 'smoother' draw), biasing towards the first tokens.
"""
import torch

def sample(probs, generator):
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) ** 2
    cdf = probs.cumsum(-1)
    return (cdf < u).sum(-1).clamp(max=probs.shape[-1] - 1).long()
