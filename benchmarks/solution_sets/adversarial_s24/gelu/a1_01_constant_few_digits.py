"""
MISTAKE: sqrt(2/pi) written as 0.797885 (six digits): float64 results are off by ~5e-7 relative.
"""
import torch

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(0.797885 * (x + 0.044715 * x ** 3)))
