"""
MISTAKE: Maps the kept mask from rank order back to vocabulary order with torch.gather(keep_sorted, -1, order), which applies the sort permutation a second time instead of inverting it (scatter / argsort).
EXPECTED DIAGNOSIS: The kept set lands on the wrong tokens: to undo a sort use scatter(-1, order, ...) (or gather with argsort(order)); gather with order permutes again.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = sorted_probs.cumsum(-1) - sorted_probs
    keep_sorted = above < p
    keep = torch.gather(keep_sorted, -1, order)          # back to vocabulary order
    kept = torch.where(keep, probs, torch.zeros_like(probs))
    return kept / kept.sum(-1, keepdim=True)
