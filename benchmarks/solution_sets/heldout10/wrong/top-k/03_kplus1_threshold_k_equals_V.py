"""WRONG: sorts each row descending and keeps the entries strictly greater than the (k+1)-th largest
value, sorted[..., k]. Mistake: right for k < V, but k == V indexes past the end of the row and raises
IndexError instead of returning the plain softmax; a good grader should say the k = V case crashes
because the threshold reads the (k+1)-th value, which does not exist."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    sorted_s, _ = torch.sort(s, dim=-1, descending=True)
    threshold = sorted_s[..., k].unsqueeze(-1)         # first value that is NOT kept
    s = torch.where(s > threshold, s, torch.full_like(s, float("-inf")))
    return torch.softmax(s, dim=-1)
