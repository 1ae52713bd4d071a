"""CORRECT: threshold from topk, logsumexp normalisation, torch.where
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    threshold = scaled.topk(k, dim=-1).values.amin(dim=-1, keepdim=True)
    keep = scaled >= threshold
    logp = scaled - torch.logsumexp(scaled.masked_fill(~keep, float("-inf")), dim=-1, keepdim=True)
    return torch.where(keep, logp.exp(), torch.zeros_like(scaled))
