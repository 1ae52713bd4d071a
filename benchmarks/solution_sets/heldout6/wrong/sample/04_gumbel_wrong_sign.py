"""
MISTAKE: Implements "Gumbel-max" as argmax(log p + log E) with E ~ Exponential(1), i.e. argmax(p * E), instead of argmax(log p - log E); the added noise is not Gumbel, so the draws do not follow probs.
EXPECTED DIAGNOSIS: Wrong noise in Gumbel-max: with exponential noise E the rule is argmax(log p - log E) (= argmax(p / E)); argmax(p * E) over-favours the likely tokens.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    e = torch.empty_like(probs).exponential_(generator=generator)
    scores = torch.log(probs) + torch.log(e)
    return scores.argmax(dim=-1)
