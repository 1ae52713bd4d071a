"""
MISTAKE: Perturbs the log-probabilities with uniform noise (`argmax(log p + u)`) instead of Gumbel noise `-log(-log u)`, which is biased towards the most likely token.
EXPECTED DIAGNOSIS: Biased sampler: the Gumbel-max trick needs Gumbel noise `-log(-log(u))`, not plain uniform noise; frequencies do not match the probabilities.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # perturb-and-argmax sampling
    noise = torch.rand(probs.shape, generator=generator, dtype=probs.dtype)
    return torch.argmax(torch.log(probs) + noise, dim=-1)
