"""WRONG: subtracts the maximum of the WHOLE tensor (s.max(), not each row's max) before exp, then
zeroes the tokens outside the top k and renormalises by the kept sum. Mistake: fine for one vector or
rows of similar size, but with logits spread like 1e4 * randn (or +-1e4) a row whose maximum is far
below the global one underflows to all zeros and 0/0 gives NaN; a good grader should say some rows are
NaN because the max-subtraction uses the global maximum instead of the per-row maximum."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    e = torch.exp(s - s.max())
    idx = s.topk(k, dim=-1).indices
    keep = torch.zeros_like(e).scatter(-1, idx, 1.0)
    e = e * keep
    return e / e.sum(dim=-1, keepdim=True)
