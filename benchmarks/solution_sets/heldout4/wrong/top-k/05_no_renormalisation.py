"""
MISTAKE: Takes the full softmax of logits / temperature and zeroes everything outside the top k, but never renormalises, so the kept probabilities sum to less than 1.
EXPECTED DIAGNOSIS: Not renormalised: after zeroing the tokens outside the top k, divide by the kept mass (or cut on the logits with -inf before the softmax) so each row sums to 1.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    _, idx = probs.topk(k, dim=-1)
    keep = torch.zeros_like(probs).scatter_(-1, idx, 1.0)
    return probs * keep
