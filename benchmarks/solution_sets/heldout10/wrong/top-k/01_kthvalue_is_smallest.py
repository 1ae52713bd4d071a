"""WRONG: uses torch.kthvalue(s, k) as the cut-off, believing it returns the k-th LARGEST value, and
keeps s >= that value before the softmax. Mistake: kthvalue returns the k-th SMALLEST, so V - k + 1
tokens are kept (k = 1 keeps everything, k = V keeps only the top token); it is right only when
k = V - k + 1; a good grader should say the number of kept tokens is V - k + 1 instead of k because
kthvalue counts from the smallest."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    cutoff = torch.kthvalue(s, k, dim=-1, keepdim=True).values
    s = s.masked_fill(s < cutoff, float("-inf"))
    return torch.softmax(s, dim=-1)
