"""
MISTAKE: Gumbel-max trick with the noise added to the probabilities instead of the log-probabilities (argmax(probs + g)), which does not sample from probs (and can even pick zero-probability tokens).
EXPECTED DIAGNOSIS: Gumbel-max needs argmax(log(probs) + Gumbel noise); adding the noise to the raw probabilities flattens the distribution towards uniform and can draw tokens of probability 0.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    u = torch.rand(probs.shape, generator=generator, dtype=probs.dtype)
    u = u.clamp(min=1e-12, max=1 - 1e-7)
    gumbel = -torch.log(-torch.log(u))
    return torch.argmax(probs + gumbel, dim=-1)
