"""
MISTAKE: Drops the non-kept tokens by writing 0 into their logits (scatter into zeros) and then takes the softmax over the whole row, so dropped tokens still get weight exp(0 - max) > 0.
EXPECTED DIAGNOSIS: Non-kept tokens must get probability exactly 0: fill their logits with -inf (or softmax only the kept values), not with 0.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    vals, idx = scaled.topk(k, dim=-1)
    filtered = torch.zeros_like(scaled).scatter(-1, idx, vals)   # keep only the top k logits
    return torch.softmax(filtered, dim=-1)
