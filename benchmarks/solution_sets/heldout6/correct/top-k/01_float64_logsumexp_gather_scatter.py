"""
CORRECT: In float64, takes topk values/indices, normalises the kept values with logsumexp (exp(v - lse)), and scatters them back into a zero tensor; cast back to the input dtype.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits.to(torch.float64) / temperature
    vals, idx = s.topk(k, dim=-1)
    kept = torch.exp(vals - torch.logsumexp(vals, dim=-1, keepdim=True))
    out = torch.zeros_like(s).scatter(-1, idx, kept)
    return out.to(logits.dtype)
