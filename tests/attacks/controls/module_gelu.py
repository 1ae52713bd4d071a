"""Control: gelu is an instance of an nn.Module subclass (callable, forward(x)).
Problem: gelu
Goal: pass
"""
import math

import torch
from torch import nn


class TanhGelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = math.sqrt(2.0 / math.pi)

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(self.c * (x + 0.044715 * x**3)))


gelu = TanhGelu()
