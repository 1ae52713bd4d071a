"""Problem 10 - top-k.  Run `grader show top-k` for the statement.

Write `top_k_probs(logits, temperature, k)`: the next-token distribution of top-k
sampling,
    scaled = logits / temperature
    keep the k largest entries of each row (over the last dimension)
    probs  = softmax over the kept entries, 0 for every other token
Logits may be huge (1e4) or -inf; a naive exp overflows.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    raise NotImplementedError("top-k: implement top_k_probs(logits, temperature, k)")
