"""
MISTAKE: The temperature is applied in place (`logits /= temperature`), so the caller's logits tensor is divided by the temperature (the probabilities returned are right).
EXPECTED DIAGNOSIS: The input was changed in place: `logits /= temperature` rescales the caller's tensor; write `scaled = logits / temperature`.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    logits /= temperature
    vals, idx = logits.topk(k, dim=-1)
    p = torch.softmax(vals, dim=-1)
    return torch.zeros_like(logits).scatter_(-1, idx, p)
