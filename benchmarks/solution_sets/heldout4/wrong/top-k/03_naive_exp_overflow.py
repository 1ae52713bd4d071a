"""
MISTAKE: Normalises with a hand-written exp(s) / sum(exp(s)) without subtracting the row maximum, which overflows to inf (NaN after division) for large logits or small temperatures.
EXPECTED DIAGNOSIS: Overflowing softmax: exp of large scaled logits is inf and inf/inf is NaN; subtract each row's maximum before exp, or use torch.softmax.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = s.topk(k, dim=-1).values[..., -1:]
    keep = s >= kth
    e = torch.where(keep, torch.exp(s), torch.zeros_like(s))
    return e / e.sum(dim=-1, keepdim=True)
