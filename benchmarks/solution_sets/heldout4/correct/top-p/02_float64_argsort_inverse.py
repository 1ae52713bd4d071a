"""
CORRECT: Works in float64 with a log-softmax, ranks with argsort(descending), builds the exclusive cumulative mass, and undoes the permutation with gather by the inverse permutation (argsort of the order).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    z = (logits / temperature).to(torch.float64)
    probs = torch.exp(torch.log_softmax(z, dim=-1))
    order = torch.argsort(probs, dim=-1, descending=True)
    ranked = torch.gather(probs, -1, order)
    exclusive = torch.cumsum(ranked, dim=-1) - ranked
    keep_ranked = exclusive < p
    inverse = torch.argsort(order, dim=-1)
    keep = torch.gather(keep_ranked, -1, inverse)
    kept = probs * keep
    out = kept / kept.sum(dim=-1, keepdim=True)
    return out.to(logits.dtype)
