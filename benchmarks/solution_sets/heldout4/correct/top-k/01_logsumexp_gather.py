"""
CORRECT: Takes the top-k values with topk, shifts them by the row maximum and normalises in log space with logsumexp, then scatters exp(log-probs) back into a zero tensor.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    vals, idx = s.topk(k, dim=-1)
    shifted = vals - vals[..., :1]            # topk is sorted: the first value is the maximum
    logp = shifted - torch.logsumexp(shifted, dim=-1, keepdim=True)
    out = torch.zeros_like(s)
    return out.scatter(-1, idx, logp.exp())
