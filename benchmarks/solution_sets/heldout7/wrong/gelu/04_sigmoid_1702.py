"""
MISTAKE: Uses the blog-post 'quick GELU' `x * sigmoid(1.702 * x)` instead of the tanh approximation.
EXPECTED DIAGNOSIS: That is the sigmoid (QuickGELU) approximation, not the tanh one; errors up to ~2e-2.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    # fast GELU approximation (faster than tanh)
    return x * torch.sigmoid(1.702 * x)
