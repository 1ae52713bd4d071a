"""CORRECT top-k: in float64, finds the k-th largest scaled logit as the (V-k+1)-th smallest with kthvalue,
keeps entries >= it, normalises with exp(s - logsumexp) and casts back to the input dtype.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits.to(torch.float64) / temperature
    V = s.shape[-1]
    thr = torch.kthvalue(s, V - k + 1, dim=-1, keepdim=True).values
    kept = torch.where(s >= thr, s, torch.full_like(s, float("-inf")))
    probs = torch.exp(kept - torch.logsumexp(kept, dim=-1, keepdim=True))
    return probs.to(logits.dtype)
