"""CORRECT: tanh-approximation GELU written as x * sigmoid(2z) (since 0.5*(1+tanh z) = sigmoid(2z)),
computed in float64 on a fresh tensor and cast back to x's dtype; 0-d, empty and huge inputs all work."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xd = x.to(torch.float64)
    z = math.sqrt(2.0 / math.pi) * (xd + 0.044715 * xd * xd * xd)
    return (xd * torch.sigmoid(2.0 * z)).to(x.dtype)
