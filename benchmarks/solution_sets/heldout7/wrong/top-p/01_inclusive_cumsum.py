"""
MISTAKE: Keeps tokens whose inclusive running total `cumsum <= p`, which drops the token that crosses p (and with a tiny p drops every token, giving NaN).
EXPECTED DIAGNOSIS: The crossing token is dropped: keep a token when the mass strictly above it (`cumsum - prob`) is < p, so the top token is always kept.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, order = probs.sort(dim=-1, descending=True)
    keep = sp.cumsum(dim=-1) <= p
    sp = sp * keep
    sp = sp / sp.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, sp)
