"""WRONG: sets the dropped tokens' scaled logits to 0 instead of -inf before the softmax, so they keep probability
exp(0 - max)/Z (non-zero whenever the kept logits are not huge). A good grader should say tokens outside the top k
get non-zero probability because they were masked with 0 rather than -inf.
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    masked = s.masked_fill(s < kth, 0.0)
    return torch.softmax(masked, dim=-1)
