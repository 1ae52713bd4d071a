"""MISTAKE: zeroes the tokens outside the nucleus but never renormalises the kept probabilities
EXPECTED DIAGNOSIS: Divide the kept probabilities by their sum so each row sums to 1.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = mass_above < p
    kept = sorted_probs * keep
    return torch.zeros_like(probs).scatter(-1, order, kept)
