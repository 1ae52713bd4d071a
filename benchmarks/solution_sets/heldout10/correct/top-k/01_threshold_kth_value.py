"""CORRECT: top-k probabilities by thresholding: s = logits / temperature, the k-th largest value of
each row (topk(...).values[..., -1:]) is the cut-off, entries below it are set to -inf with
masked_fill, then torch.softmax over the last dim (max-subtracted, so 1e4-sized logits do not
overflow; -inf logits get exactly 0)."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    s = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(s, dim=-1)
