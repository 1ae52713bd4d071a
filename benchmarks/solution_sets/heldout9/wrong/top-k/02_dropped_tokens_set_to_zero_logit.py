"""MISTAKE: masks the dropped tokens by setting their scaled logit to 0 (`torch.where(keep,
    scaled, 0)`) instead of -inf, so they still get weight exp(0) in the softmax and non-zero
    probability.

EXPECTED DIAGNOSIS: A dropped token must get probability exactly 0: fill its logit with -inf
    (or zero the probabilities after the softmax and renormalise).
"""

import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    scaled = torch.where(scaled >= kth, scaled, torch.zeros_like(scaled))
    return torch.softmax(scaled, dim=-1)
