"""
MISTAKE: In the causal case, multiplies the softmax weights by a lower-triangular 0/1 mask after the softmax (no renormalisation), so rows no longer sum to 1 instead of masking the scores with -inf before the softmax.
EXPECTED DIAGNOSIS: Causal mask applied after the softmax: future keys must be set to -inf before the softmax so the allowed weights still sum to 1.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    hd = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    k = (x @ w_k).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    v = (x @ w_v).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
    if causal:
        lower = torch.tril(torch.ones(T, T, dtype=x.dtype, device=x.device))
        probs = probs * lower          # zero out attention to the future
    ctx = (probs @ v).permute(0, 2, 1, 3).reshape(N, T, d)
    return ctx @ w_o
