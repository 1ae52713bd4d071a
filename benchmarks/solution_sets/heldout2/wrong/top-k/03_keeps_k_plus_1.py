"""MISTAKE: threshold taken at sorted index k (0-based) instead of k-1, so k+1 tokens are kept
EXPECTED DIAGNOSIS: Off by one: the k-th largest is sorted[..., k-1]; using index k keeps one token too many.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    sorted_vals = torch.sort(scaled, dim=-1, descending=True).values
    kth = sorted_vals[..., k:k + 1] if k < scaled.shape[-1] else sorted_vals[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
