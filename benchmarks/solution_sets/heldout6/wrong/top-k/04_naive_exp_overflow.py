"""
MISTAKE: Normalises with a bare torch.exp of the scaled logits (no row-max subtraction), which overflows to inf (inf/inf = NaN) for logits around 1e4 or small temperatures.
EXPECTED DIAGNOSIS: Overflowing softmax: subtract each row's maximum before exp (or use torch.softmax); large logits / low temperatures give NaN.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    vals, idx = torch.topk(scaled, k, dim=-1)
    e = torch.exp(vals)
    p = e / e.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(scaled)
    return out.scatter(-1, idx, p)
