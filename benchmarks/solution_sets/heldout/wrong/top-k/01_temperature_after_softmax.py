"""MISTAKE: takes the top-k softmax of the raw logits, then applies the temperature to the probabilities and renormalises
EXPECTED DIAGNOSIS: Temperature divides the logits before the softmax; dividing probabilities by T and renormalising cancels it out entirely.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    vals, idx = torch.topk(logits, k, dim=-1)
    probs = torch.softmax(vals, dim=-1) / temperature
    probs = probs / probs.sum(dim=-1, keepdim=True)
    return torch.zeros_like(logits).scatter(-1, idx, probs)
