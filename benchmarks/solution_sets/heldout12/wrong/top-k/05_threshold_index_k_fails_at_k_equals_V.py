"""WRONG top-k: takes the (k+1)-th largest sorted value, sorted[..., k], as the threshold and keeps entries
strictly above it.
Mistake: with k = V the index k is out of range (IndexError); a good grader should say k = V must work (the
plain softmax).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    srt = torch.sort(s, dim=-1, descending=True).values
    nxt = srt[..., k].unsqueeze(-1)
    masked = s.masked_fill(s <= nxt, float("-inf"))
    return torch.softmax(masked, dim=-1)
