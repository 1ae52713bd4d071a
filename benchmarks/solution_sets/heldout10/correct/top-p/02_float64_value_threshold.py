"""CORRECT: top-p in float64 with a value threshold instead of a scatter: after the stable softmax of
logits / temperature, count per row how many sorted tokens have mass-above < p (the count is >= 1),
read the probability of the last kept token as the threshold, keep every token with prob >= threshold
in vocabulary order (no boundary ties by the statement), renormalise, cast back to the input dtype.
A row of size V works for (V,), (N, V) and (N, T, V) alike."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    s = logits.to(torch.float64) / temperature
    s = s - s.max(dim=-1, keepdim=True).values
    e = torch.exp(s)
    probs = e / e.sum(dim=-1, keepdim=True)
    desc = torch.sort(probs, dim=-1, descending=True).values
    above = torch.cumsum(desc, dim=-1) - desc
    n_keep = (above < p).sum(dim=-1, keepdim=True).clamp(min=1)
    threshold = torch.gather(desc, -1, n_keep - 1)
    kept = probs * (probs >= threshold)
    return (kept / kept.sum(dim=-1, keepdim=True)).to(logits.dtype)
