"""
MISTAKE: Draws a single uniform number and uses it for every row (torch.rand(1)), so the rows are not independent.
EXPECTED DIAGNOSIS: Each row needs its own random number: torch.rand(N, 1, generator=generator). With one shared u all rows of the same distribution draw the same token.
"""
import math

import torch

def sample(probs, generator):
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(1, generator=generator, dtype=torch.float64).expand(probs.shape[0], 1) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp(max=probs.shape[1] - 1).long()
