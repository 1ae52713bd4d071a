"""
MISTAKE: Special-cases `p >= 1` with an early `return torch.softmax(logits, -1)`, forgetting to divide by the temperature on that path.
EXPECTED DIAGNOSIS: With p = 1 the result must be softmax(logits / temperature); the shortcut ignores the temperature.
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    if p >= 1.0:
        return torch.softmax(logits, dim=-1)   # nothing to cut
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, order = probs.sort(dim=-1, descending=True)
    cum_before = sp.cumsum(-1) - sp
    sp = torch.where(cum_before < p, sp, 0.0)
    sp = sp / sp.sum(-1, keepdim=True)
    return torch.empty_like(probs).scatter(-1, order, sp)
