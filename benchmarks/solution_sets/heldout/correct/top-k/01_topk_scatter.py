"""CORRECT: topk values, softmax, scatter into zeros
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    vals, idx = torch.topk(scaled, k, dim=-1)
    kept = torch.softmax(vals, dim=-1)
    return torch.zeros_like(scaled).scatter(-1, idx, kept)
