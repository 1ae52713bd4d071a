"""
CORRECT: Softmaxes only the k top values (`topk` then softmax over them) and scatters the result back into a zero tensor.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    vals, idx = (logits / temperature).topk(k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, idx, torch.softmax(vals, dim=-1))
