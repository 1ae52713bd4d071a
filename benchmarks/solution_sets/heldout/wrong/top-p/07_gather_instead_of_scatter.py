"""MISTAKE: maps the sorted keep-mask back with gather(order) instead of the inverse permutation
EXPECTED DIAGNOSIS: gather with the sort indices applies the permutation again instead of undoing it; use scatter(order) or gather(argsort(order)).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = probs.sort(dim=-1, descending=True)
    csum = sp.cumsum(dim=-1)
    exclusive = torch.cat([torch.zeros_like(csum[..., :1]), csum[..., :-1]], dim=-1)
    drop_sorted = exclusive >= p
    drop = drop_sorted.gather(-1, si)
    out = probs.masked_fill(drop, 0.0)
    return out / out.sum(dim=-1, keepdim=True)
