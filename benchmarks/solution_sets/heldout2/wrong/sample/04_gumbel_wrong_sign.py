"""MISTAKE: Gumbel-max with noise log(-log u) instead of -log(-log u) (wrong sign on the Gumbel noise)
EXPECTED DIAGNOSIS: Gumbel noise is -log(-log u); the sign-flipped noise is not Gumbel and biases the draws.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    u = torch.rand(N, V, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    gumbel = torch.log(-torch.log(u))
    idx = torch.argmax(torch.log(probs.to(torch.float64)) + gumbel, dim=-1)
    return idx.clamp(max=V - 1).to(torch.int64)
