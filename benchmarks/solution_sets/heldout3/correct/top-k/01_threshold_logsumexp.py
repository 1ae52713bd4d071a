"""Correct: threshold at the k-th largest scaled logit (kthvalue on the negation), log-probabilities
s - logsumexp(kept), exp, zero elsewhere."""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    kth = -torch.kthvalue(-s, k, dim=-1, keepdim=True).values          # k-th largest
    keep = s >= kth
    neg_inf = torch.full_like(s, float("-inf"))
    kept = torch.where(keep, s, neg_inf)
    lse = torch.logsumexp(kept, dim=-1, keepdim=True)
    out = torch.exp(kept - lse)
    return torch.where(keep, out, torch.zeros_like(out))
