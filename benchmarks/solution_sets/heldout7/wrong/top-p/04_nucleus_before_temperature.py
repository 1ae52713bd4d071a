"""
MISTAKE: Chooses the nucleus from the untempered softmax(logits) and applies the temperature only when renormalising the kept tokens, so the kept set is wrong whenever temperature != 1.
EXPECTED DIAGNOSIS: Temperature must come first: the nucleus is chosen from softmax(logits / temperature); choosing it from the raw probabilities keeps the wrong set.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    raw = torch.softmax(logits, dim=-1)
    sp, order = raw.sort(dim=-1, descending=True)
    keep_sorted = (sp.cumsum(-1) - sp) < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    scaled = (logits / temperature).masked_fill(~keep, float("-inf"))
    return torch.softmax(scaled, dim=-1)
