"""
MISTAKE: The heads are split correctly but merged back with a plain `reshape(N, T, d)` of the (N, H, T, d_head) result, without transposing heads and positions back, which scrambles positions and heads (correct only when T = 1 or num_heads = 1).
EXPECTED DIAGNOSIS: Heads are concatenated in the wrong layout: transpose (N, H, T, d_head) back to (N, T, H, d_head) before reshaping to (N, T, d), then multiply by w_o.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    hd = d // num_heads

    def heads(m):
        return (x @ m).view(N, T, num_heads, hd).transpose(1, 2)

    q, k, v = heads(w_q), heads(w_k), heads(w_v)
    logits = q @ k.transpose(-2, -1) / math.sqrt(hd)
    if causal:
        bad = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), 1)
        logits = logits.masked_fill(bad, float('-inf'))
    probs = torch.softmax(logits, -1)
    out = probs @ v                      # (N, H, T, hd)
    out = out.reshape(N, T, d)           # concatenate heads
    return out @ w_o
