"""WRONG: reshapes the input to 2-D with x.reshape(-1, x.shape[-1]) before applying the (correct)
tanh GELU, then reshapes back. Mistake: a 0-d tensor has no last dimension, so x.shape[-1] raises
IndexError on the 0-d case (all other shapes, the empty one included, are fine); a good grader should
say the function crashes on a 0-d (scalar) tensor because it assumes at least one dimension."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    flat = x.reshape(-1, x.shape[-1])
    c = math.sqrt(2.0 / math.pi)
    out = 0.5 * flat * (1.0 + torch.tanh(c * (flat + 0.044715 * flat ** 3)))
    return out.reshape(x.shape)
