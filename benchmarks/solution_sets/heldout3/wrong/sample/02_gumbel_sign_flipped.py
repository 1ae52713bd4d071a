"""
MISTAKE: Gumbel-max with the wrong sign: argmax(log p + log(-log u)) instead of argmax(log p - log(-log u)).
EXPECTED DIAGNOSIS: Gumbel noise is g = -log(-log u). Adding +log(-log u) is adding -g, a reflected Gumbel, which is not the Gumbel-max trick and biases the draws towards likely tokens.
"""
import math

import torch

def sample(probs, generator):
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    gumbel = torch.log(-torch.log(u))
    scores = torch.log(probs.double()) + gumbel
    return scores.argmax(dim=-1)
