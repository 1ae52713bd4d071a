"""
MISTAKE: Splits heads as view(N, T, d_head, num_heads), so head h gets the strided columns h, h+H, h+2H, ... instead of the contiguous block h*d_head:(h+1)*d_head.
EXPECTED DIAGNOSIS: Head h must own the contiguous columns h*d_head:(h+1)*d_head: view(N, T, num_heads, d_head). Your view puts d_head first, giving each head every num_heads-th column (only 1 head or 1 column per head survives).
"""
import math

import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads

    def split(t):
        # (N, T, d) -> (N, H, T, dh)
        return t.view(N, T, dh, num_heads).permute(0, 3, 1, 2)

    def merge(t):
        # (N, H, T, dh) -> (N, T, d)
        return t.permute(0, 2, 3, 1).reshape(N, T, d)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = torch.einsum("nhtd,nhsd->nhts", q, k) / math.sqrt(dh)
    if causal:
        scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    return merge(torch.softmax(scores, dim=-1) @ v) @ w_o
