"""WRONG: flattens the leading dims to (-1, d), normalises correctly, but returns the 2-D (-1, d) tensor: shapes are
wrong for 1-D ((1, d)), 3-D and 4-D inputs; values are right. A good grader should say the output shape is wrong
(leading dimensions flattened and not restored).
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    rows = x.reshape(-1, x.shape[-1])
    mean = rows.mean(dim=1, keepdim=True)
    var = (rows - mean).pow(2).mean(dim=1, keepdim=True)
    return (rows - mean) / torch.sqrt(var + eps)
