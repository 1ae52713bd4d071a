"""MISTAKE: uses the sigmoid approximation x * sigmoid(1.702 x)
EXPECTED DIAGNOSIS: That is a different (cruder) approximation of GELU; the contract is the tanh formula, which differs by ~1e-2.
"""
import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(1.702 * x)
