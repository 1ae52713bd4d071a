"""
MISTAKE: Filters and renormalises in sorted order but returns the sorted probabilities without scattering them back to vocabulary order.
EXPECTED DIAGNOSIS: Results are in rank order: put each probability back at its token index (`scatter(-1, order, ...)`).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    sorted_probs = torch.where(above < p, sorted_probs, torch.zeros_like(sorted_probs))
    return sorted_probs / sorted_probs.sum(dim=-1, keepdim=True)
