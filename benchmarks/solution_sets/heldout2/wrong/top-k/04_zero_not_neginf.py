"""MISTAKE: filters out non-top-k logits by setting them to 0 instead of -inf before the softmax
EXPECTED DIAGNOSIS: Masked logits must be -inf (probability 0); a logit of 0 still gets probability exp(0)/Z.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    filtered = torch.where(scaled >= kth, scaled, torch.zeros_like(scaled))
    return torch.softmax(filtered, dim=-1)
