"""CORRECT (exponential race (Gumbel-max equivalent) with exponential_ on the generator).
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # Exponential race (equivalent to Gumbel-max): argmax_j p_j / E_j with E_j ~ Exp(1).
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    score = probs.to(torch.float64) / e
    score = torch.where(probs > 0, score, torch.full_like(score, -1.0))
    return score.argmax(dim=1).long()
