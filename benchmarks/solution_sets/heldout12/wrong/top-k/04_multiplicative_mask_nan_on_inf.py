"""WRONG top-k: masks with arithmetic, s * keep + (1 - keep) * -1e9, instead of masked_fill/where.
Mistake: a -inf logit outside the kept set gives -inf * 0 = NaN, so rows containing -inf logits become NaN;
a good grader should say -inf logits produce NaN in the output.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    vals, _ = torch.topk(s, k, dim=-1)
    kth = vals[..., -1:]
    keep = (s >= kth).to(s.dtype)
    masked = s * keep + (1.0 - keep) * -1e9
    return torch.softmax(masked, dim=-1)
