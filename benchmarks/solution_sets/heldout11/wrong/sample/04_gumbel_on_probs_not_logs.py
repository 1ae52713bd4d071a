"""WRONG: Gumbel-max trick applied to the probabilities instead of their logs: argmax(p + G) with G = -log(-log u); zero
probabilities are excluded via -inf, but the allowed tokens' frequencies are far too flat. A good grader should say the
distribution is wrong (Gumbel noise added to p instead of log p).
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    g = -torch.log(-torch.log(u))
    score = torch.where(probs > 0, probs.double() + g, torch.full_like(g, float("-inf")))
    return score.argmax(dim=-1).to(torch.int64)
