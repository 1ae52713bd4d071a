"""
MISTAKE: Computes the kept, renormalised probabilities in sorted (rank) order and returns them without scattering them back to their vocabulary positions.
EXPECTED DIAGNOSIS: The output is in rank order, not vocabulary order: entry i must be token i's probability -- scatter the sorted result back with the sort indices.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, _ = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    kept = torch.where(above < p, sorted_probs, torch.zeros_like(sorted_probs))
    return kept / kept.sum(dim=-1, keepdim=True)
