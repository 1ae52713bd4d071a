"""WRONG gelu: rewrites the tanh form as x * sigmoid(z) but forgets the factor 2 (the identity is sigmoid(2z)).
Mistake: computes x*sigmoid(sqrt(2/pi)(x+0.044715x^3)), a flatter curve; a good grader should say the
sigmoid needs 2*z (0.5*(1+tanh(z)) = sigmoid(2z)).
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return x * torch.sigmoid(inner)
