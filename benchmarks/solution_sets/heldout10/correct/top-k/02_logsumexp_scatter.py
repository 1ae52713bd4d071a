"""CORRECT: top-k probabilities in log space: take the k largest scaled logits with torch.topk
(sorted, so column 0 is the row maximum), shift them by that maximum, normalise with torch.logsumexp
(-inf entries among the kept give exp(-inf) = 0), exponentiate, and scatter into a zero tensor of the
logits' shape and dtype."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    vals, idx = scaled.topk(k, dim=-1)
    shifted = vals - vals[..., :1]            # row max is 0 now, everything else <= 0
    logp = shifted - torch.logsumexp(shifted, dim=-1, keepdim=True)
    out = torch.zeros_like(scaled)
    out.scatter_(-1, idx, logp.exp())
    return out
