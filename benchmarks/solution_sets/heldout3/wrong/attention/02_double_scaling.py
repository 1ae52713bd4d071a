"""
MISTAKE: Pre-scales q by 1/sqrt(d_head) and then divides the scores by sqrt(d_head) again, so the scores are divided by d_head.
EXPECTED DIAGNOSIS: The scale is applied twice: scores end up q.k / d_head, making the softmax too flat. Scale once, either q or the scores.
"""
import math

import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    q = q / math.sqrt(dh)  # scale queries up front (as in many implementations)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
