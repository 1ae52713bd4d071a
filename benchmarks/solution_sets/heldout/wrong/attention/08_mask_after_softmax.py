"""MISTAKE: applies the causal mask by zeroing the weights after the softmax, without renormalising
EXPECTED DIAGNOSIS: Mask before the softmax (-inf scores) so each row's weights still sum to 1; zeroing after the softmax leaves rows summing to less than 1.
"""
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    hd = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    k = (x @ w_k).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    v = (x @ w_v).view(N, T, num_heads, hd).permute(0, 2, 1, 3)
    att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(hd), dim=-1)
    if causal:
        att = att * torch.tril(torch.ones(T, T, dtype=x.dtype))
    y = (att @ v).permute(0, 2, 1, 3).contiguous().view(N, T, d)
    return y @ w_o
