"""MISTAKE: maps the sorted probabilities back with gather(order) (applying the permutation again) instead of scatter (its inverse)
EXPECTED DIAGNOSIS: To undo the sort you need the inverse permutation: scatter into `order`, not gather from it.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = mass_above < p
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return kept.gather(-1, order)
