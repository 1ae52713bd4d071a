"""MISTAKE: keeps tokens while the running total INCLUDING the token is <= p, dropping the token that crosses p
EXPECTED DIAGNOSIS: Only the mass strictly above a token counts: the token that takes the total past p is kept (exclusive cumsum < p).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = torch.cumsum(sorted_probs, dim=-1) <= p
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
