"""MISTAKE: writes the k probabilities into the first k slots (sorted order) instead of scattering them back to their token ids
EXPECTED DIAGNOSIS: The probabilities must go back to the tokens' own positions: scatter with the top-k indices.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    top_vals, top_idx = torch.topk(scaled, k, dim=-1)
    top_p = torch.softmax(top_vals, dim=-1)
    out = torch.zeros_like(scaled)
    out[..., :k] = top_p
    return out
