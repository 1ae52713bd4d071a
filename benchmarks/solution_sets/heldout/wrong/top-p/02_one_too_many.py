"""MISTAKE: shifts the cumsum by two positions, keeping one token beyond the crossing token
EXPECTED DIAGNOSIS: The test is on the mass strictly above the token (shift by one); shifting twice keeps an extra token after the one that crosses p.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = probs.sort(dim=-1, descending=True)
    csum = sp.cumsum(dim=-1)
    exclusive = torch.cat([torch.zeros_like(csum[..., :2]), csum[..., :-2]], dim=-1)
    drop_sorted = exclusive >= p
    drop = drop_sorted.gather(-1, torch.argsort(si, dim=-1))
    out = probs.masked_fill(drop, 0.0)
    return out / out.sum(dim=-1, keepdim=True)
