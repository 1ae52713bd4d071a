"""WRONG: computes the mass above each sorted token by shifting the cumsum one step right with
torch.roll(cumsum, 1, dims=-1), but forgets to set the first entry to 0, so the top token's "mass
above" is the wrapped-around total (~1). Mistake: for p < 1 (and at p = 1 whenever the row total rounds to 1.0) the most likely token is dropped (the rest
is decided correctly), and with p = 0.001 nothing is kept (0/0 = NaN); a good grader should say the
top token is not always kept because the rolled cumsum wraps the row total into position 0."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, sorted_idx = torch.sort(probs, dim=-1, descending=True)
    cum = torch.cumsum(sorted_probs, dim=-1)
    mass_above = torch.roll(cum, shifts=1, dims=-1)
    keep = mass_above < p
    sorted_probs = sorted_probs * keep
    sorted_probs = sorted_probs / sorted_probs.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(probs)
    out.scatter_(-1, sorted_idx, sorted_probs)
    return out
