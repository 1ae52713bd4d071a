"""MISTAKE: splits heads with reshape(N, num_heads, T, d_head) instead of view(N, T, H, dh).transpose(1, 2)
EXPECTED DIAGNOSIS: Head h must own columns h*d_head:(h+1)*d_head; reshaping (N,T,d) straight to (N,H,T,dh) cuts memory across positions, mixing tokens into heads.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).reshape(N, num_heads, T, d_head)
    k = (x @ w_k).reshape(N, num_heads, T, d_head)
    v = (x @ w_v).reshape(N, num_heads, T, d_head)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).reshape(N, T, d)
    return out @ w_o
