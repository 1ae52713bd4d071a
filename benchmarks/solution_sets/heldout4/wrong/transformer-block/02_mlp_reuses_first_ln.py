"""
MISTAKE: Computes h = LN(x) once and feeds the same h to the MLP branch, instead of taking a fresh layer norm of x after the attention residual update.
EXPECTED DIAGNOSIS: The MLP branch must read LN of the updated residual stream (after x = x + MHA(...)); you reuse the first layer norm's output, so the MLP never sees the attention update.
"""
import math

import torch


def _ln(t, eps=1e-5):
    var, mean = torch.var_mean(t, dim=-1, keepdim=True, unbiased=False)
    return (t - mean) / torch.sqrt(var + eps)


def _gelu(t):
    return 0.5 * t * (1.0 + torch.tanh(0.7978845608028654 * (t + 0.044715 * t.pow(3))))


def _mha(h, wq, wk, wv, wo, nh, causal):
    N, T, d = h.shape
    hd = d // nh
    q = torch.einsum("ntd,de->nte", h, wq).view(N, T, nh, hd)
    k = torch.einsum("ntd,de->nte", h, wk).view(N, T, nh, hd)
    v = torch.einsum("ntd,de->nte", h, wv).view(N, T, nh, hd)
    sc = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(hd)
    if causal:
        sc = sc.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    att = sc.softmax(-1)
    out = torch.einsum("nhqk,nkhe->nqhe", att, v).reshape(N, T, d)
    return out @ wo


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    wq, wk, wv, wo, w1, w2 = block_weights.unbind(0)
    h = _ln(x)
    x = x + _mha(h, wq, wk, wv, wo, num_heads, causal)
    x = x + _gelu(h @ w1) @ w2
    return x
