"""WRONG: reshapes the logits to (-1, V) to work on a 2-D batch and returns that 2-D tensor; (N, T, V) inputs come back
as (N*T, V) and (V,) as (1, V). Values are right. A good grader should say the output shape is wrong for 1-D and 3-D
inputs (flattened to 2-D and not reshaped back).
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    logits = logits.reshape(-1, logits.shape[-1])
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p
    kept_sorted = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept_sorted = kept_sorted / kept_sorted.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept_sorted)
