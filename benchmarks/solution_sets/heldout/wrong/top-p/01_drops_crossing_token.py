"""MISTAKE: keeps tokens with inclusive cumsum <= p (top token forced), dropping the token that crosses p
EXPECTED DIAGNOSIS: Keep a token if the mass strictly above it is < p; the inclusive test cumsum <= p drops the token whose own probability crosses p.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    keep = torch.cumsum(sorted_probs, dim=-1) <= p
    keep[..., 0] = True
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
