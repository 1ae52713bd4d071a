"""
MISTAKE: Keeps tokens whose inclusive cumulative probability is <= p, which drops the token that takes the running total past p (and can drop every token when the top probability exceeds p).
EXPECTED DIAGNOSIS: The crossing token is dropped: keep a token when the mass strictly above it (cumsum - prob, exclusive) is < p, not when cumsum <= p.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    cum = sorted_probs.cumsum(dim=-1)
    keep = cum <= p
    keep[..., 0] = True          # always keep the most likely token
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
