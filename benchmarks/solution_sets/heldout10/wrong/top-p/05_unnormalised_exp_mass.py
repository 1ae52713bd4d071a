"""WRONG: to save a division it cuts on the cumulative sum of the UNNORMALISED exponentials
exp(s - max) (the top one is exactly 1) and only normalises at the end. Mistake: the mass above the
second token is already 1 >= p, so only the top token is ever kept (for every p, p = 1 included),
instead of the nucleus; a good grader should say the cumulative mass is compared with p before the
probabilities are normalised, so a single token is always kept."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits / temperature
    e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
    sorted_e, idx = torch.sort(e, dim=-1, descending=True)
    above = sorted_e.cumsum(dim=-1) - sorted_e
    sorted_e = sorted_e * (above < p)
    kept = torch.zeros_like(e).scatter(-1, idx, sorted_e)
    return kept / kept.sum(dim=-1, keepdim=True)
