"""
MISTAKE: The nucleus is chosen on the untempered softmax(logits) and the temperature is only applied afterwards to the kept logits, so the kept set is the one for T = 1 (too many tokens for T < 1, too few for T > 1).
EXPECTED DIAGNOSIS: Temperature in the wrong place: apply it first, `probs = softmax(logits / temperature)`, and choose the nucleus on those probabilities; right only when temperature = 1 or the set happens to match.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    base = torch.softmax(logits, dim=-1)
    srt, idx = base.sort(dim=-1, descending=True)
    mass_above = torch.cumsum(srt, dim=-1) - srt
    keep_sorted = mass_above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, idx, keep_sorted)
    # now sharpen / flatten the surviving tokens
    tempered = (logits / temperature).masked_fill(~keep, float('-inf'))
    return torch.softmax(tempered, dim=-1)
