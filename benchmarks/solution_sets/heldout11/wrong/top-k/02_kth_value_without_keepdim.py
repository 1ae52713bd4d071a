"""WRONG: takes the k-th largest value as topk(...).values[..., -1] (no keepdim), which only broadcasts against
s for a single (V,) vector: batched (N, V) / (N, T, V) inputs crash (or silently compare along the wrong axis when the
shapes happen to broadcast). A good grader should say batched inputs fail because the k-th value lost its last
dimension (broadcast error).
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1]
    masked = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
