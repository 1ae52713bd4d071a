"""WRONG: uses ReLU as a "saturated" shortcut for |x| > 3 and the tanh GELU formula only inside
[-3, 3]. Mistake: the tanh has not saturated at 3 (GELU(3) = 2.99636, GELU(-3) = -0.00364, GELU(4) =
3.99993...), so outputs for 3 < |x| < ~5 are off by up to ~4e-3; a good grader should say values just
beyond |x| = 3 are replaced by ReLU although GELU has not yet reached it."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    y = 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
    return torch.where(x.abs() > 3.0, torch.relu(x), y)
