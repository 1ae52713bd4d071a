"""
CORRECT: Finds, per row, the smallest kept probability in sorted order and keeps every token whose probability is >= that threshold (valid because cases have no ties at the boundary), all without scattering.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    srt = probs.sort(dim=-1, descending=True).values
    above = srt.cumsum(-1) - srt
    n_keep = (above < p).sum(-1, keepdim=True).clamp(min=1)       # kept set is a prefix
    threshold = srt.gather(-1, n_keep - 1)
    kept = torch.where(probs >= threshold, probs, torch.zeros_like(probs))
    return kept / kept.sum(-1, keepdim=True)
