"""
MISTAKE: Computes the full softmax over all tokens and then zeroes everything outside the top k, without renormalising, so rows sum to less than 1.
EXPECTED DIAGNOSIS: No renormalisation: after zeroing the cut tokens the kept probabilities must be divided by their sum (or cut on the logits with -inf before the softmax).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    top = probs.topk(k, dim=-1)
    out = torch.zeros_like(probs)
    out.scatter_(-1, top.indices, top.values)
    return out
