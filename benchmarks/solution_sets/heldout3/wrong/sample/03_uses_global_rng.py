"""
MISTAKE: Calls torch.rand without generator=generator, so draws come from the global RNG (correct distribution, not reproducible from the generator).
EXPECTED DIAGNOSIS: Pass generator=generator to torch.rand. Your frequencies are fine, but the same generator seed does not give the same draws when the global RNG differs, and the generator never advances.
"""
import math

import torch

def sample(probs, generator):
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(probs.shape[0], 1, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp(max=probs.shape[1] - 1).long()
