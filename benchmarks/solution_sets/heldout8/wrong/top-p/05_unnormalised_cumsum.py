"""
MISTAKE: Runs the cumulative-mass test on the unnormalised exp(s - max) values (normalising only at the end), so the 'mass above' is compared with p on the wrong scale (top token has mass 1) and far too few tokens are kept.
EXPECTED DIAGNOSIS: The nucleus threshold must use normalised probabilities: divide exp(s - max) by its row sum before the cumsum.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits / temperature
    w = torch.exp(s - s.amax(dim=-1, keepdim=True))       # unnormalised weights, top = 1
    w_sorted, idx = torch.sort(w, dim=-1, descending=True)
    above = w_sorted.cumsum(dim=-1) - w_sorted
    w_sorted = w_sorted.masked_fill(above >= p, 0.0)
    w_sorted = w_sorted / w_sorted.sum(dim=-1, keepdim=True)   # normalise what is kept
    return torch.zeros_like(w).scatter(-1, idx, w_sorted)
