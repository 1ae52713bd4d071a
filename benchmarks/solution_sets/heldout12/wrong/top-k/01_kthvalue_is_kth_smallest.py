"""WRONG top-k: uses torch.kthvalue(s, k) as the threshold, believing it returns the k-th largest value.
Mistake: kthvalue gives the k-th smallest, so V-k+1 tokens are kept (right only when k = (V+1)/2); a good
grader should say the wrong number of tokens is kept (the threshold is the k-th smallest).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    kth = torch.kthvalue(s, k, dim=-1, keepdim=True).values
    masked = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
