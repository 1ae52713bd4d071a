"""
MISTAKE: Cuts the non-top-k tokens by setting their scaled logits to 0 (`masked_fill(..., 0.0)`) instead of -inf, so they still get probability exp(0)/Z.
EXPECTED DIAGNOSIS: Cut tokens are filled with 0 rather than -inf before the softmax, so they keep non-zero probability; fill with float('-inf').
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    scaled = logits / temperature
    kth_largest = torch.topk(scaled, k, dim=-1).values[..., -1:]
    scaled = scaled.masked_fill(scaled < kth_largest, 0.0)
    return scaled.softmax(dim=-1)
