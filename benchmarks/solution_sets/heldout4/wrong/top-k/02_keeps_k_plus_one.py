"""
MISTAKE: Takes the threshold as sorted_desc[..., k] (the (k+1)-th largest, 0-based index k) and keeps tokens >= it, so k + 1 tokens survive (the index is clamped to V - 1, so only k = V comes out right).
EXPECTED DIAGNOSIS: One token too many: the k-th largest value is sorted_desc[..., k - 1] (or topk(k).values[..., -1:]); your cut keeps k + 1 tokens.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    sorted_desc, _ = torch.sort(scaled, dim=-1, descending=True)
    V = scaled.shape[-1]
    kth = sorted_desc[..., min(k, V - 1)].unsqueeze(-1)
    cut = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(cut, dim=-1)
