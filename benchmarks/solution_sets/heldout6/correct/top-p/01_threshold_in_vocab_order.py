"""
CORRECT: Never unsorts: finds the nucleus size per row (count of sorted tokens whose exclusive mass is < p), reads the smallest kept probability, and keeps tokens with prob >= that threshold directly in vocabulary order (valid because boundary ties are excluded), then renormalises.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    desc = probs.sort(dim=-1, descending=True).values
    mass_above = desc.cumsum(dim=-1) - desc
    n_keep = (mass_above < p).sum(dim=-1, keepdim=True).clamp(min=1)     # >= 1: top token always kept
    threshold = desc.gather(-1, n_keep - 1)                              # smallest kept probability
    kept = torch.where(probs >= threshold, probs, torch.zeros_like(probs))
    return kept / kept.sum(dim=-1, keepdim=True)
