"""MISTAKE: builds the output with `torch.zeros(logits.shape)` (default float32) and scatters
    float32-cast probabilities into it, so float64 logits come back as float32.

EXPECTED DIAGNOSIS: Create the output with `torch.zeros_like(logits)` (or pass
    dtype=logits.dtype) so the dtype follows the input.
"""

import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    vals, idx = torch.topk(scaled, k, dim=-1)
    probs = torch.zeros(logits.shape)
    return probs.scatter(-1, idx, torch.softmax(vals, dim=-1).float())
