"""
MISTAKE: Flattens the logits to (-1, V) to work on 2-D rows and returns that 2-D result, so (V,) comes back as (1, V) and (N, T, V) as (N*T, V).
EXPECTED DIAGNOSIS: Output shape is wrong for 1-D and 3-D inputs: reshape the result back to logits.shape.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    V = logits.shape[-1]
    rows = logits.reshape(-1, V) / temperature               # (R, V)
    vals, idx = torch.topk(rows, k, dim=1)
    out = torch.zeros_like(rows)
    out.scatter_(1, idx, torch.softmax(vals, dim=1))
    return out
