"""
MISTAKE: Uses `torch.sort` with its default ascending order, so the nucleus is built from the least likely tokens upward.
EXPECTED DIAGNOSIS: Sort is ascending: rank tokens from most to least likely (`descending=True`); the kept set is the wrong end of the distribution.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = (logits / temperature).softmax(-1)
    sorted_probs, idx = torch.sort(probs, dim=-1)
    mass_above = sorted_probs.cumsum(-1) - sorted_probs
    kept = sorted_probs.masked_fill(mass_above >= p, 0.0)
    kept = kept / kept.sum(-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, idx, kept)
