"""
MISTAKE: The Gumbel/exponential-race trick is written with the wrong sign, `argmax(log p + log E)` with E ~ Exponential(1) (i.e. argmax of p * E), instead of `argmax(log p - log E)`; zero-probability tokens are still never drawn, but the tokens are not drawn with probabilities p.
EXPECTED DIAGNOSIS: Draws do not follow `probs`: with exponential noise E the Gumbel-max sample is `argmax(log p - log E)` (Gumbel noise is `-log E`); adding `log E` gives a different distribution (chi-square fails).
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    noise = torch.empty_like(probs).exponential_(generator=generator)
    scores = torch.log(probs) + torch.log(noise)
    return scores.argmax(dim=-1)
