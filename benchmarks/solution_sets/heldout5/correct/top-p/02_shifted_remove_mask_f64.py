"""
CORRECT: HF-style "remove" mask on the inclusive cumsum shifted right by one (top token always kept), computed in float64, mask scattered back to vocabulary order and applied as -inf before a final softmax, cast back to the input dtype.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits.to(torch.float64) / temperature
    probs = torch.softmax(s, dim=-1)
    sp, idx = probs.sort(dim=-1, descending=True)
    remove = sp.cumsum(-1) >= p
    remove[..., 1:] = remove[..., :-1].clone()
    remove[..., 0] = False
    remove_vocab = torch.zeros_like(remove).scatter(-1, idx, remove)
    out = torch.softmax(s.masked_fill(remove_vocab, float('-inf')), dim=-1)
    return out.to(logits.dtype)
