"""MISTAKE: computes the softmax over all tokens and zeros the rest without renormalising
EXPECTED DIAGNOSIS: After dropping the tail the kept probabilities must be renormalised to sum to 1 (softmax over the kept entries only).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    top = probs.topk(k, dim=-1)
    out = torch.zeros_like(probs)
    return out.scatter(-1, top.indices, top.values)
