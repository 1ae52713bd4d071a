"""CORRECT (hand softmax with max subtraction, exclusive cumsum via cat, scatter_ into an empty tensor, renormalise after unsorting).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    z = logits / temperature
    z = z - z.amax(dim=-1, keepdim=True)
    e = torch.exp(z)
    probs = e / e.sum(dim=-1, keepdim=True)
    vals, idx = probs.sort(dim=-1, descending=True)
    zeros = torch.zeros_like(vals[..., :1])
    above = torch.cat([zeros, vals.cumsum(dim=-1)[..., :-1]], dim=-1)
    vals = torch.where(above < p, vals, torch.zeros_like(vals))
    unsorted = torch.empty_like(vals).scatter_(-1, idx, vals)
    return unsorted / unsorted.sum(dim=-1, keepdim=True)
