"""
MISTAKE: Sets the cut logits to 0 instead of -inf before the softmax, so every dropped token still gets weight exp(0) relative to the kept ones.
EXPECTED DIAGNOSIS: Dropped tokens must get probability 0: fill them with -inf (not 0) before the softmax; a 0 logit still has weight exp(0).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    top = torch.topk(scaled, k, dim=-1)
    mask = torch.zeros_like(scaled, dtype=torch.bool).scatter(-1, top.indices, True)
    filtered = torch.where(mask, scaled, torch.zeros_like(scaled))
    return torch.softmax(filtered, dim=-1)
