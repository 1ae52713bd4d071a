"""
MISTAKE: The scale is read as `q.shape[-1]` before q is split into heads, so scores are divided by sqrt(d_model) instead of sqrt(d_head) (identical only when num_heads = 1).
EXPECTED DIAGNOSIS: Wrong softmax temperature: scale by sqrt(d_head) = sqrt(d // num_heads), the size of one head, not sqrt(d_model).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    q = x @ w_q
    k = x @ w_k
    v = x @ w_v
    scale = 1.0 / math.sqrt(q.shape[-1])

    N, T, d = q.shape
    H = num_heads
    q = q.view(N, T, H, d // H).transpose(1, 2)
    k = k.view(N, T, H, d // H).transpose(1, 2)
    v = v.view(N, T, H, d // H).transpose(1, 2)

    att = (q @ k.transpose(-1, -2)) * scale
    if causal:
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float('-inf'))
    att = torch.softmax(att, dim=-1)
    y = (att @ v).transpose(1, 2).contiguous().view(N, T, d)
    return y @ w_o
