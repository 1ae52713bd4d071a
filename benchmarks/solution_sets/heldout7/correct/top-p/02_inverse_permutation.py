"""
CORRECT: Computes the exclusive cumsum in sorted order and maps the keep mask back with the inverse permutation (`argsort(order)` + gather).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = (logits / temperature).softmax(dim=-1)
    order = probs.argsort(dim=-1, descending=True)
    sp = probs.gather(-1, order)
    exclusive = torch.cat([torch.zeros_like(sp[..., :1]), sp.cumsum(-1)[..., :-1]], dim=-1)
    keep_sorted = exclusive < p
    inv = order.argsort(dim=-1)
    keep = keep_sorted.gather(-1, inv)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
