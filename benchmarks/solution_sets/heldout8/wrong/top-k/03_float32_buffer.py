"""
MISTAKE: Scatters the kept probabilities into torch.zeros(logits.shape) (default float32) after casting them with .float(), so a float64 input comes back as float32 with float32 precision.
EXPECTED DIAGNOSIS: Output dtype is not kept: the result buffer is float32; create it with zeros_like(logits) / dtype=logits.dtype.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    top_vals, top_idx = torch.topk(scaled, k, dim=-1)
    kept = torch.softmax(top_vals, dim=-1)                  # softmax over the kept entries only
    probs = torch.zeros(logits.shape)
    return probs.scatter(-1, top_idx, kept.float())
