"""WRONG top-k: scales the logits with logits * temperature instead of logits / temperature.
Mistake: the temperature is inverted (T < 1 flattens instead of sharpening; right only at T = 1); a good
grader should say the logits must be divided by the temperature.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits * temperature
    vals, _ = torch.topk(s, k, dim=-1)
    kth = vals[..., -1:]
    masked = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
