"""Correct: explicit Python loop over heads with column slices, softmax written as exp(s - logsumexp(s)),
causal mask as an additive -inf upper triangle, heads combined by summing slice @ matching rows of w_o."""
import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    bias = torch.zeros(T, T, dtype=x.dtype, device=x.device)
    if causal:
        bias = torch.full((T, T), float("-inf"), dtype=x.dtype, device=x.device).triu(1)
    out = torch.zeros_like(x)
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        s = torch.einsum("ntc,nsc->nts", q_all[..., cols], k_all[..., cols]) / math.sqrt(dh) + bias
        wts = torch.exp(s - torch.logsumexp(s, dim=-1, keepdim=True))
        # concat(heads) @ w_o == sum_h head_h @ w_o[rows of head h]
        out = out + (wts @ v_all[..., cols]) @ w_o[cols, :]
    return out
