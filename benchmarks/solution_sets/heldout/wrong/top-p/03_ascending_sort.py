"""MISTAKE: sorts ascending (least likely first) before the cumsum
EXPECTED DIAGNOSIS: Rank tokens from the most to the least likely (descending=True); ascending keeps the tail instead of the nucleus.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = mass_above < p
    kept = sorted_probs * keep_sorted
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
