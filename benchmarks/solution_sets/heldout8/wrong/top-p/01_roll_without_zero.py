"""
MISTAKE: Builds the 'mass above' by rolling the cumsum one step right, but forgets to zero the first entry, which wraps around to the row total (~1); so the top token is dropped whenever p < ~1 (rows can become 0/0 = NaN).
EXPECTED DIAGNOSIS: The exclusive cumsum is wrong at the first rank: torch.roll wraps the total into position 0; set it to 0 so the top token is always kept.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits / temperature
    e = torch.exp(s - s.amax(dim=-1, keepdim=True))
    probs = e / e.sum(dim=-1, keepdim=True)
    vals, idx = probs.sort(dim=-1, descending=True)
    csum = vals.cumsum(dim=-1)
    shifted = torch.roll(csum, shifts=1, dims=-1)                                  # mass strictly above
    vals = torch.where(shifted < p, vals, torch.zeros_like(vals))
    vals = vals / vals.sum(dim=-1, keepdim=True)
    out = torch.empty_like(probs)
    out.scatter_(-1, idx, vals)
    return out
