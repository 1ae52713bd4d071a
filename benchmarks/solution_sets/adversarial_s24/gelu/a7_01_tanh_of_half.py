"""
MISTAKE: Uses sigmoid(2z) written as 1/(1+exp(-2z)) in place of (1 + tanh(z))/2 but forgets the 2: sigmoid(z).
"""
import math
import torch

def gelu(x):
    z = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
    return x * torch.sigmoid(z)
