"""
MISTAKE: Zeroes the tokens outside the nucleus and puts the probabilities back in vocabulary order, but never divides by the kept mass, so rows sum to less than 1.
EXPECTED DIAGNOSIS: Not renormalised: after dropping tokens, divide the kept probabilities by their sum so each row sums to 1.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, sorted_idx = torch.sort(probs, descending=True, dim=-1)
    exclusive = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    remove_sorted = exclusive >= p
    remove = torch.zeros_like(remove_sorted).scatter(-1, sorted_idx, remove_sorted)
    return probs.masked_fill(remove, 0.0)
