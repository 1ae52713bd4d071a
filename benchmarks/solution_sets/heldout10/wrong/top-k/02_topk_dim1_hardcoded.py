"""WRONG: selects the top k with torch.topk(..., dim=1) and scatters along dim 1 (written for the
(N, V) case). Mistake: for (N, T, V) logits it ranks over the T axis (or fails when k > T), and a 1-D
(V,) input raises an index error; only 2-D inputs are right; a good grader should say top-k is taken
over dimension 1 instead of the last (vocabulary) dimension."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    vals, idx = torch.topk(scaled, k, dim=1)
    probs = torch.softmax(vals, dim=1)
    return torch.zeros_like(scaled).scatter(1, idx, probs)
