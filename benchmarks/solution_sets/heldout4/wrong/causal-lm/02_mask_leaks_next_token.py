"""
MISTAKE: Builds the allowed-keys matrix with tril(diagonal=1), which also allows key j = i + 1, so every position sees the next token.
EXPECTED DIAGNOSIS: The causal mask is off by one and leaks the future: position i may attend to j <= i only; use tril() (diagonal=0), not tril(1).
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mu = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mu) * torch.rsqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def _causal_mha(x, wq, wk, wv, wo, nh):
    N, T, d = x.shape
    e = d // nh
    q = torch.einsum("ntd,de->nte", x, wq).view(N, T, nh, e)
    k = torch.einsum("ntd,de->nte", x, wk).view(N, T, nh, e)
    v = torch.einsum("ntd,de->nte", x, wv).view(N, T, nh, e)
    s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e)
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    s = s.masked_fill(allowed.logical_not(), float("-inf"))
    a = torch.softmax(s, dim=-1)
    return torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d) @ wo


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        W = blocks_weights[i]
        x = x + _causal_mha(_ln(x), W[0], W[1], W[2], W[3], num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T
