"""MISTAKE: masks the dropped tokens by setting their logits to 0 before the softmax
EXPECTED DIAGNOSIS: Dropped tokens must get -inf (probability 0); a logit of 0 still receives exp(0 - max) > 0 mass.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    kth = torch.sort(s, dim=-1, descending=True).values[..., k - 1:k]
    s = s.masked_fill(s < kth, 0.0)
    return torch.softmax(s, dim=-1)
