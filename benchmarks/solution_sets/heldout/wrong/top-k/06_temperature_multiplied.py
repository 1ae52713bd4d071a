"""MISTAKE: multiplies the logits by the temperature instead of dividing
EXPECTED DIAGNOSIS: Temperature divides: s = logits / T (T < 1 sharpens); multiplying inverts the effect.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits * temperature
    threshold = scaled.topk(k, dim=-1).values.amin(dim=-1, keepdim=True)
    keep = scaled >= threshold
    logp = scaled - torch.logsumexp(scaled.masked_fill(~keep, float("-inf")), dim=-1, keepdim=True)
    return torch.where(keep, logp.exp(), torch.zeros_like(scaled))
