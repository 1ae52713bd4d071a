"""MISTAKE: uses the (k+1)-th largest value as a strict threshold (`sorted[..., k:k+1]`, keep `>
    thr`); right for k < V, but for k = V the slice is empty and the comparison raises (no
    (k+1)-th value exists).

EXPECTED DIAGNOSIS: Threshold on the k-th largest value (index k-1, keep `>=`), which exists
    for every 1 <= k <= V.
"""

import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    thr = torch.sort(scaled, dim=-1, descending=True).values[..., k:k + 1]
    scaled = scaled.masked_fill(scaled <= thr, float("-inf"))
    return torch.softmax(scaled, dim=-1)
