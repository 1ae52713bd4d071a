"""CORRECT: exclusive cumsum via cat, map mask back with gather(argsort(order))
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = probs.sort(dim=-1, descending=True)
    csum = sp.cumsum(dim=-1)
    exclusive = torch.cat([torch.zeros_like(csum[..., :1]), csum[..., :-1]], dim=-1)
    drop_sorted = exclusive >= p
    drop = drop_sorted.gather(-1, torch.argsort(si, dim=-1))
    out = probs.masked_fill(drop, 0.0)
    return out / out.sum(dim=-1, keepdim=True)
