"""
MISTAKE: Rewrites 0.5*(1+tanh(z)) as sigmoid(z) instead of sigmoid(2z), i.e. returns x*sigmoid(z).
EXPECTED DIAGNOSIS: The identity is 0.5*(1 + tanh(z)) = sigmoid(2z). With sigmoid(z) the curve is too soft: e.g. gelu(1) comes out ~0.70 instead of 0.841.
"""
import math

import torch

def gelu(x):
    z = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
    # 0.5 * (1 + tanh(z)) is a sigmoid, and sigmoid never overflows
    return x * torch.sigmoid(z)
