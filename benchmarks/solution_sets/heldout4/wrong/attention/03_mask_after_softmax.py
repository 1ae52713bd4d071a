"""
MISTAKE: Applies the causal mask after the softmax (zeroing future weights by multiplying with a lower-triangular 0/1 matrix) without renormalising, so causal rows no longer sum to 1.
EXPECTED DIAGNOSIS: The causal mask must be applied to the scores before the softmax (set hidden scores to -inf); masking the weights afterwards leaves rows that do not sum to 1.
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
    scores = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(hd))
    probs = torch.softmax(scores, dim=-1)
    if causal:
        lower = torch.tril(torch.ones(T, T, dtype=x.dtype))
        probs = probs * lower
    ctx = (probs @ v).permute(0, 2, 1, 3).contiguous().view(N, T, d)
    return ctx @ w_o
