"""WRONG: Gumbel-max with the noise written as -log(U) (an exponential) instead of -log(-log(U)):
argmax(log p - log U) = argmax(p / U). Mistake: that is not the categorical distribution (e.g. for
p = [0.8, 0.2] it draws token 1 with probability 1/8 = 0.125 instead of 0.2); zeros are still never
drawn; a good grader should say the frequencies do not match probs because the Gumbel noise is missing
its second log."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64)
    noise = -torch.log(u)
    return torch.argmax(torch.log(probs.double()) + noise, dim=-1)
