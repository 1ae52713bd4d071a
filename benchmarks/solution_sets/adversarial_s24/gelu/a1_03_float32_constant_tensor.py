"""
MISTAKE: the constant is a float32 tensor (torch.tensor(math.sqrt(2/pi))), so float64 inputs get a float32-rounded constant.
"""
import math
import torch

C = torch.tensor(math.sqrt(2 / math.pi))

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(C.to(x.dtype) * (x + 0.044715 * x ** 3)))
