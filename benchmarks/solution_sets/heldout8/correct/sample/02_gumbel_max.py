"""CORRECT: Gumbel-max trick with float64 uniforms"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    # Gumbel-max trick: argmax(log p + g), g = -log(-log(u)) ~ Gumbel(0, 1)
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64, device=probs.device)
    u = u.clamp_min(1e-300)
    gumbel = -torch.log(-torch.log(u))
    scores = torch.log(probs.to(torch.float64)) + gumbel           # log 0 = -inf: never chosen
    return torch.argmax(scores, dim=-1)
