"""
MISTAKE: The softmax is hand-written in log space as `s - log(sum(exp(s)))` without subtracting the row maximum first, so for logits around 1e4 (or small temperatures on large logits) `exp` overflows to inf, every probability becomes 0 and the renormalisation returns NaN.
EXPECTED DIAGNOSIS: Overflowing softmax: a log-sum-exp must shift by the row maximum (`torch.logsumexp` or `torch.softmax` do); large logits give inf/NaN here while ordinary logits are fine.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits / temperature
    log_z = torch.log(torch.exp(s).sum(dim=-1, keepdim=True))
    probs = torch.exp(s - log_z)                       # log-space softmax
    ps, order = torch.sort(probs, dim=-1, descending=True)
    excl = torch.cumsum(ps, dim=-1) - ps
    ps = ps * (excl < p).to(ps.dtype)
    ps = ps / ps.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, ps)
