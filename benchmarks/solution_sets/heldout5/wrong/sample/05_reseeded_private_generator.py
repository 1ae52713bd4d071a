"""
MISTAKE: To "keep it reproducible", the function builds a fresh generator seeded with `generator.initial_seed()` and draws from that, so the caller's generator never advances: every call with the same generator returns the same draws.
EXPECTED DIAGNOSIS: The given generator is not used (only its seed): two successive calls on the same generator give identical draws; draw directly from `generator` so it advances.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    g = torch.Generator(device=probs.device)
    g.manual_seed(generator.initial_seed())
    u = torch.rand(probs.shape[0], 1, generator=g, dtype=probs.dtype, device=probs.device)
    cdf = probs.cumsum(-1)
    idx = (cdf <= u).sum(-1)
    return idx.clamp(max=probs.shape[-1] - 1)
