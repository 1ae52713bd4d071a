"""WRONG: scatters the kept probabilities into torch.zeros(logits.shape), a float32 buffer, instead of
one with the logits' dtype. Mistake: float32 logits are right, but float64 logits make scatter raise a
dtype-mismatch error (the result could never be float64); a good grader should say the float64 case
fails because the output buffer is allocated as float32 regardless of the input dtype."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    top_vals, top_idx = scaled.topk(k, dim=-1)
    top_p = torch.softmax(top_vals, dim=-1)
    out = torch.zeros(logits.shape)
    return out.scatter(-1, top_idx, top_p)
