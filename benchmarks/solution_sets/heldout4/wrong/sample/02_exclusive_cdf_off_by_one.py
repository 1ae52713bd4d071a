"""
MISTAKE: Counts the interval starts (exclusive cumsum) that are <= u and uses that count as the index, forgetting the -1, so every draw lands on the token after the right one (clamped at V - 1).
EXPECTED DIAGNOSIS: Off by one: the number of interval starts <= u is the 1-based index; subtract 1 (or count cdf <= u on the inclusive cdf). Your draws are shifted one token to the right.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    starts = probs.cumsum(-1) - probs                   # left edge of each token's interval
    u = torch.rand((N, 1), generator=generator, dtype=probs.dtype)
    count = (starts <= u).sum(dim=-1)
    return count.clamp(max=V - 1).to(torch.int64)
