"""MISTAKE: draws uniformly among the tokens with non-zero probability
EXPECTED DIAGNOSIS: The draw must be weighted by the probabilities, not uniform over the allowed tokens.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    allowed = (probs > 0).double()
    cdf = allowed.cumsum(-1) / allowed.sum(-1, keepdim=True)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64)
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp(max=probs.shape[1] - 1)
