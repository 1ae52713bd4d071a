"""MISTAKE: multiplies the logits by the temperature instead of dividing
EXPECTED DIAGNOSIS: Temperature divides the logits: softmax(logits / T).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits * temperature
    top_vals, top_idx = torch.topk(scaled, k, dim=-1)
    top_p = torch.softmax(top_vals, dim=-1)
    out = torch.zeros_like(scaled)
    return out.scatter(-1, top_idx, top_p)
