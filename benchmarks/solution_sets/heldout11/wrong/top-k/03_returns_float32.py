"""WRONG: computes the softmax with dtype=torch.float32, so float64 logits come back as a float32 tensor
(dtype not kept). A good grader should say the float64 case returns float32.
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    masked = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(masked, dim=-1, dtype=torch.float32)
