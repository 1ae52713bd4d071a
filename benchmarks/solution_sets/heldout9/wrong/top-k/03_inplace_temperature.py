"""MISTAKE: divides the logits in place (`logits /= temperature`), so the probabilities are right
    but the caller's logits are overwritten with logits / T (a second call would apply T
    twice).

EXPECTED DIAGNOSIS: Never modify the input: use `scaled = logits / temperature`.
"""

import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    logits /= temperature
    scaled = logits
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(scaled, dim=-1)
