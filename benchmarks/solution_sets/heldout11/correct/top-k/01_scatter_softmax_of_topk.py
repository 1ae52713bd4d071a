"""CORRECT: takes topk of logits / T, softmaxes the k kept values only, and scatters them into a zero tensor
(-inf among the kept values get exp(-inf) = 0).
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    vals, idx = s.topk(k, dim=-1)
    kept = torch.softmax(vals, dim=-1)
    return torch.zeros_like(s).scatter(-1, idx, kept)
