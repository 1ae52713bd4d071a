"""
CORRECT: Softmax over the k top values only, scattered back into a zero tensor at their indices (-inf values among the top k get 0 automatically).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    vals, idx = torch.topk(logits / temperature, k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, idx, torch.softmax(vals, dim=-1))
