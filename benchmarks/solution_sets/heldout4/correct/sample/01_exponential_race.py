"""
CORRECT: Exponential-race form of Gumbel-max: argmax(probs / E) with E ~ Exp(1) drawn from the generator via exponential_(generator=...); zero-probability tokens score 0 and never win.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    E = torch.empty(probs.shape, dtype=torch.float64, device=probs.device).exponential_(generator=generator)
    scores = probs.to(torch.float64) / E
    return scores.argmax(dim=-1).to(torch.int64)
