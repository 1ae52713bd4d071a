"""
MISTAKE: Gumbel-max with logistic noise log(u) - log(1 - u) instead of Gumbel noise.
"""
import torch

def sample(probs, generator):
    u = torch.rand(probs.shape, generator=generator, dtype=probs.dtype).clamp(1e-12, 1 - 1e-12)
    noise = torch.log(u) - torch.log1p(-u)
    return (torch.log(probs) + noise).argmax(-1)
