"""
MISTAKE: Casts the logits to float32 for the whole computation and casts back at the end, so a float64 case only gets float32 precision (relative error ~1e-7 > 1e-8).
EXPECTED DIAGNOSIS: Precision loss for float64 inputs: the computation is done in float32 and cast back; keep the input dtype throughout.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p        # exclusive cumsum
    keep_sorted = mass_above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)   # back to vocab order
    kept = probs * keep
    return (kept / kept.sum(dim=-1, keepdim=True)).to(logits.dtype)
