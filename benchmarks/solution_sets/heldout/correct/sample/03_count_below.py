"""CORRECT: normalised cdf, index = count of cdf <= u, clamp
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    cdf = probs.cumsum(dim=1)
    cdf = cdf / cdf[:, -1:]
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    idx = (cdf <= u).sum(dim=1)
    return torch.clamp(idx, max=probs.shape[1] - 1).long()
