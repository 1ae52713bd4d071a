"""WRONG sample: "Gumbel-max" with the noise written as -log(u) (exponential) instead of -log(-log(u)).
Mistake: argmax(log p + Exp noise) does not draw token j with probability p_j (it over-weights the likely
tokens, e.g. [0.2, 0.8] -> ~[0.1, 0.9]); a good grader should say the frequencies do not follow probs (wrong
noise distribution).
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    noise = -torch.log(u)
    return torch.argmax(torch.log(probs.to(torch.float64)) + noise, dim=-1)
