"""WRONG top-k: calls topk(..., dim=1) and takes the threshold with narrow(1, ...), written for (N, V) input.
Mistake: (V,) input crashes and (N, T, V) input is ranked over the sequence axis instead of the vocabulary;
a good grader should say the top k must be taken over the last dimension.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    vals, _ = torch.topk(s, k, dim=1)
    kth = vals.narrow(1, k - 1, 1)
    masked = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
