"""WRONG: takes mean and variance over dim=1 instead of the last dim; right for 2-D (N, d) inputs only, wrong for
3-D/4-D inputs and crashes on a 1-D vector. A good grader should say the normalisation is over the wrong axis (dim 1, not -1).
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
