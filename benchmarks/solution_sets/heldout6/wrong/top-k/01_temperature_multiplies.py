"""
MISTAKE: Multiplies the logits by the temperature (logits * temperature) instead of dividing, so T < 1 flattens and T > 1 sharpens the distribution.
EXPECTED DIAGNOSIS: Temperature applied the wrong way: scale with logits / temperature (only temperature = 1 agrees).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits * temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(scaled, dim=-1)
