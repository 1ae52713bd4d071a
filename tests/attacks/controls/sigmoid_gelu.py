"""Control: the tanh GELU through the identity 0.5 * (1 + tanh(z)) = sigmoid(2z), with a
dataclass holding the constants and functools.
Problem: gelu
Goal: pass
"""
import functools
import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Constants:
    c: float = math.sqrt(2.0 / math.pi)
    k: float = 0.044715


@functools.lru_cache(maxsize=None)
def constants() -> Constants:
    return Constants()


def gelu(x):
    k = constants()
    return 0.5 * x * (1.0 + torch.tanh(k.c * (x + k.k * x * x * x)))
