"""MISTAKE: returns the kept probabilities in sorted order without scattering them back to vocabulary order
EXPECTED DIAGNOSIS: Entry i must be token i's probability: scatter the sorted results back with the sort indices.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = mass_above < p
    kept = sorted_probs * keep_sorted
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return kept
