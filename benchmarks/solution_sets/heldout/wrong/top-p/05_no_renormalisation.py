"""MISTAKE: zeros the dropped tokens but does not renormalise the kept ones
EXPECTED DIAGNOSIS: After truncation divide by the kept mass so each row sums to 1.
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
    return out
