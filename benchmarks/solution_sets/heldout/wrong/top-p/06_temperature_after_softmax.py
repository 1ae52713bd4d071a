"""MISTAKE: applies the temperature to the probabilities (probs / T, renormalised) instead of to the logits
EXPECTED DIAGNOSIS: Temperature divides the logits before the softmax; scaling probabilities by 1/T and renormalising does nothing.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits, dim=-1) / temperature
    probs = probs / probs.sum(dim=-1, keepdim=True)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = mass_above < p
    kept = sorted_probs * keep_sorted
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
