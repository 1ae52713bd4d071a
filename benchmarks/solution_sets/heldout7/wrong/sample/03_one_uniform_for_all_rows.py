"""
MISTAKE: Draws a single uniform `torch.rand(1, generator=...)` and uses it for every row, so rows are not independent.
EXPECTED DIAGNOSIS: All rows share one random number: draw one uniform per row (`torch.rand(N, 1, generator=generator)`).
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(1, generator=generator).item()
    cdf = probs.cumsum(-1)
    ids = (cdf <= u).sum(-1)
    return ids.clamp_max(probs.size(-1) - 1).long()
