"""MISTAKE: takes the k largest entries of the full softmax without renormalising them
EXPECTED DIAGNOSIS: After restricting to the top k, renormalise (or take the softmax over the k logits) so the row sums to 1.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    full = torch.softmax(scaled, dim=-1)
    top_p, top_idx = torch.topk(full, k, dim=-1)
    out = torch.zeros_like(scaled)
    return out.scatter(-1, top_idx, top_p)
