"""WRONG gelu: flattens to (-1, x.shape[-1]) "to work row by row" and reshapes back.
Mistake: a 0-d tensor has no last dimension, so x.shape[-1] raises IndexError; a good grader should say the
function must accept 0-d tensors (any shape).
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    shape = x.shape
    x = x.reshape(-1, x.shape[-1])
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return (0.5 * x * (1.0 + torch.tanh(inner))).reshape(shape)
