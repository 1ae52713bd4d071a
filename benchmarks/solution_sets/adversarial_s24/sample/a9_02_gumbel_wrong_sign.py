"""
MISTAKE: Gumbel noise with the wrong sign: log p + log(-log u).
"""
import torch

def sample(probs, generator):
    u = torch.rand(probs.shape, generator=generator, dtype=probs.dtype).clamp(1e-12, 1 - 1e-12)
    return (torch.log(probs) + torch.log(-torch.log(u))).argmax(-1)
