"""CORRECT: topk + softmax of the kept values scattered into zeros"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    top_vals, top_idx = torch.topk(scaled, k, dim=-1)
    kept = torch.softmax(top_vals, dim=-1)                  # softmax over the kept entries only
    probs = torch.zeros_like(scaled)
    return probs.scatter(-1, top_idx, kept)
