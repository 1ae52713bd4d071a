"""
MISTAKE: Short-cuts p >= 1 with torch.softmax(logits, -1), forgetting to divide by the temperature on that path.
EXPECTED DIAGNOSIS: With p = 1 the result must be softmax(logits / temperature); the shortcut ignores the temperature.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    if p >= 1.0:
        return torch.softmax(logits, dim=-1)       # nothing is cut
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p        # exclusive cumsum
    keep_sorted = mass_above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)   # back to vocab order
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
