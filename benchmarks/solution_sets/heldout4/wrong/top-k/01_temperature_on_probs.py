"""
MISTAKE: Applies the temperature to the probabilities (divides the top-k softmax probabilities by temperature) and then renormalises, so the temperature cancels out and has no effect.
EXPECTED DIAGNOSIS: Temperature ignored: it must divide the logits before the softmax (softmax(logits / T)); dividing the probabilities by T is undone by the renormalisation.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    vals, idx = torch.topk(logits, k, dim=-1)
    p = torch.softmax(vals, dim=-1) / temperature
    p = p / p.sum(dim=-1, keepdim=True)
    return torch.zeros_like(logits).scatter(-1, idx, p)
