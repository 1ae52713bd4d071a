"""WRONG: hand-written softmax that subtracts the maximum of the WHOLE tensor instead of each row's maximum; with
large-spread logits (1e4 * randn, low temperature) a row far below the global max underflows to all zeros and
0/0 = NaN. Single vectors are fine. A good grader should say rows underflow to NaN because the max is taken over the
whole batch instead of per row.
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    masked = s.masked_fill(s < kth, float("-inf"))
    e = torch.exp(masked - s.max())
    return e / e.sum(dim=-1, keepdim=True)
