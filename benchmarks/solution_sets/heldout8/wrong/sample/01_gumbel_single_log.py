"""
MISTAKE: Uses -log(u) (exponential noise) instead of the Gumbel noise -log(-log(u)), i.e. argmax(log p - log u) = argmax(p / u), which does not draw token j with probability p_j.
EXPECTED DIAGNOSIS: The noise is not Gumbel: -log(u) gives a biased sampler; use g = -log(-log(u)) for Gumbel-max (or argmin of E/p with exponential E).
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    # Gumbel-max trick: argmax(log p + g), g = -log(-log(u)) ~ Gumbel(0, 1)
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64, device=probs.device)
    u = u.clamp_min(1e-300)
    gumbel = -torch.log(u)
    scores = torch.log(probs.to(torch.float64)) + gumbel           # log 0 = -inf: never chosen
    return torch.argmax(scores, dim=-1)
