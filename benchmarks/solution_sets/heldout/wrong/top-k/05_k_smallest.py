"""MISTAKE: torch.topk with largest=False keeps the k least likely tokens
EXPECTED DIAGNOSIS: Top-k keeps the k largest logits; largest=False keeps the k smallest.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    vals, idx = torch.topk(scaled, k, dim=-1, largest=False)
    kept = torch.softmax(vals, dim=-1)
    return torch.zeros_like(scaled).scatter(-1, idx, kept)
