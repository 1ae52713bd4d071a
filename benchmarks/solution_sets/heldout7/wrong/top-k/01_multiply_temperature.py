"""
MISTAKE: Multiplies the logits by the temperature (`logits * temperature`) instead of dividing by it.
EXPECTED DIAGNOSIS: Temperature applied the wrong way: scaled logits are `logits / temperature` (T < 1 sharpens); only temperature = 1 is unaffected.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits * temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(scaled, dim=-1)
