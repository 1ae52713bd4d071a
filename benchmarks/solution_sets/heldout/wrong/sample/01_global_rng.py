"""MISTAKE: draws u with torch.rand without passing the generator (global RNG)
EXPECTED DIAGNOSIS: All randomness must come from generator; the draws depend on the global RNG and are not reproducible from the generator's seed.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    cdf = probs.cumsum(dim=1)
    cdf = cdf / cdf[:, -1:]
    u = torch.rand(probs.shape[0], 1, dtype=probs.dtype)
    idx = (cdf <= u).sum(dim=1)
    return torch.clamp(idx, max=probs.shape[1] - 1).long()
