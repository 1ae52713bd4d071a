"""
MISTAKE: Multiplies only the linear term by sqrt(2/pi): tanh(sqrt(2/pi)*x + 0.044715*x**3) instead of tanh(sqrt(2/pi)*(x + 0.044715*x**3)).
EXPECTED DIAGNOSIS: Parenthesisation slip: sqrt(2/pi) must multiply the whole bracket (x + 0.044715 x^3). Your cubic term is ~25% too large, so values around |x| = 1..3 are off.
"""
import math

import torch

def gelu(x):
    return 0.5 * x * (1 + torch.tanh((math.sqrt(2 / math.pi) * x + 0.044715 * torch.pow(x, 3))))
