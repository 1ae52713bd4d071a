"""
MISTAKE: Cuts the tail by setting the dropped scaled logits to 0 (masked_fill(..., 0.0)) instead of -inf before the softmax, so the dropped tokens keep weight exp(0) and get non-zero probability.
EXPECTED DIAGNOSIS: Dropped tokens set to 0 instead of -inf: exp(0) = 1 gives them probability; fill the cut logits with -inf (k = V agrees).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    threshold = scaled.topk(k, dim=-1).values.min(dim=-1, keepdim=True).values
    cut = scaled.masked_fill(scaled < threshold, 0.0)
    return cut.softmax(dim=-1)
