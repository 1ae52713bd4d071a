"""Control: inverse-CDF sampling with searchsorted, all randomness from the generator.
Problem: sample
Goal: pass
"""
import torch


def sample(probs, generator):
    cdf = probs.double().cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return idx.clamp(max=probs.shape[-1] - 1)
