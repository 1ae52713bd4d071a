"""CORRECT: computes in float64 with einsum reductions (mean via a 1/d weight vector), rsqrt, then casts back to the input dtype."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    x64 = x.to(torch.float64)
    d = x64.shape[-1]
    avg = torch.full((d,), 1.0 / d, dtype=torch.float64, device=x.device)
    mean = torch.einsum("...d,d->...", x64, avg).unsqueeze(-1)
    centred = x64 - mean
    var = torch.einsum("...d,...d->...", centred, centred).unsqueeze(-1) / d
    return (centred * torch.rsqrt(var + eps)).to(x.dtype)
