"""CORRECT: a small helper class around torch.var_mean(correction=0) (two-pass, biased), flattening leading dims explicitly and restoring them."""

import torch


class _RowNormaliser:
    def __init__(self, eps: float):
        self.eps = eps

    def __call__(self, rows: torch.Tensor) -> torch.Tensor:
        var, mean = torch.var_mean(rows, dim=1, correction=0, keepdim=True)
        return (rows - mean) / (var + self.eps).sqrt()


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    rows = x.reshape(-1, d)
    return _RowNormaliser(eps)(rows).reshape(x.shape)
