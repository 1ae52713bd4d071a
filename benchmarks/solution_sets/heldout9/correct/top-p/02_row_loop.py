"""CORRECT: flattens to (rows, V) and handles each row in a Python loop: sort, walk the ranked tokens accumulating mass until the mass above reaches p, renormalise."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    V = logits.shape[-1]
    flat = logits.reshape(-1, V)
    out = torch.zeros_like(flat)
    for r in range(flat.shape[0]):
        probs = torch.softmax(flat[r] / temperature, dim=0)
        values, order = torch.sort(probs, descending=True)
        mass_above = 0.0
        n_keep = 0
        for val in values.tolist():
            if mass_above < p:
                n_keep += 1
                mass_above += val
            else:
                break
        kept_idx = order[:n_keep]
        kept = probs[kept_idx]
        out[r, kept_idx] = kept / kept.sum()
    return out.reshape(logits.shape)
