"""
MISTAKE: Uses the "quick GELU" x * sigmoid(1.702 * x) approximation (from the CLIP/OpenAI code) instead of the tanh formula, which differs by up to ~2e-2.
EXPECTED DIAGNOSIS: x * sigmoid(1.702 x) is a different approximation; the required one is 0.5 * x * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) = x * sigmoid(2 * sqrt(2/pi) (x + 0.044715 x^3)).
"""

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    # 0.5 * (1 + tanh(z)) == sigmoid(2z); the usual fast form of GELU
    return x * torch.sigmoid(1.702 * x)
