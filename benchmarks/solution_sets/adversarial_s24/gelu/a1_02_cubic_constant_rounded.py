"""
MISTAKE: 0.044715 written as 0.0447 (a rounded cubic coefficient).
"""
import math
import torch

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.0447 * x ** 3)))
