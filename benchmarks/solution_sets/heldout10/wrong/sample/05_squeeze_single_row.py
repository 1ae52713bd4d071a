"""WRONG: correct inverse-CDF draw, but the (N, 1) result of searchsorted is flattened with
.squeeze() instead of .squeeze(1). Mistake: for a single row (N = 1) the result has shape () (a 0-d
tensor) instead of (1,); every N > 1 is right; a good grader should say a one-row input returns a
0-d tensor because squeeze() also removed the batch dimension."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs, dim=-1, dtype=torch.float64)
    u = torch.rand((probs.shape[0], 1), generator=generator, dtype=torch.float64)
    u = u * cdf[:, -1:]
    ids = torch.searchsorted(cdf, u, right=True).squeeze()
    return ids.clamp(max=probs.shape[-1] - 1)
