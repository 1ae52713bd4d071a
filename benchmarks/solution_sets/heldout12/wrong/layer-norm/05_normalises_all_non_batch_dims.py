"""WRONG layer-norm: normalises over every dimension except the first (a per-sample norm), which equals the
last dimension only for 1-D and 2-D inputs.
Mistake: wrong reduction axes for 3-D/4-D inputs; a good grader should say statistics must be taken over the
last dimension only.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    dims = tuple(range(1, x.dim())) if x.dim() > 1 else (0,)
    mean = x.mean(dim=dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=dims, keepdim=True)
    return xc / torch.sqrt(var + eps)
