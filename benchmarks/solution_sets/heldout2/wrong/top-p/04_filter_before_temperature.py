"""MISTAKE: chooses the nucleus from softmax(logits) at temperature 1 and applies the temperature only to the kept probabilities
EXPECTED DIAGNOSIS: Apply the temperature first: the nucleus is chosen from softmax(logits / T), not from the untempered distribution.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    base = torch.softmax(logits, dim=-1)
    sorted_base, order = torch.sort(base, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_base, dim=-1) - sorted_base
    keep = mass_above < p
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs = probs.gather(-1, order)
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
