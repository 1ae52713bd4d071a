"""
MISTAKE: Tokens are kept when strictly above the (k+1)-th largest value, `sorted_desc[..., min(k, V - 1)]` (the `min` patched in after k = V crashed), so for k = V the smallest token is dropped instead of keeping every token.
EXPECTED DIAGNOSIS: Off by one at k = V: threshold on the k-th largest value (`topk(k).values[..., -1:]`, keep `>=` it); with the (k+1)-th value clamped to V - 1, k = V keeps only V - 1 tokens and is not the plain softmax of logits / T.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    V = scaled.shape[-1]
    desc = torch.sort(scaled, dim=-1, descending=True).values
    nxt = desc[..., min(k, V - 1)].unsqueeze(-1)         # first value that is NOT kept
    keep = scaled > nxt
    return torch.softmax(scaled.masked_fill(~keep, float('-inf')), dim=-1)
