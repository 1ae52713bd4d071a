"""CORRECT: additive causal bias (0 on/below the diagonal, -inf above) built once, einsum attention, blocks unbound from the stacked tensor."""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    return xc / torch.sqrt(xc.pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(N, T, V) logits."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    H, dh = num_heads, d // num_heads
    bias = torch.full((T, T), float("-inf"), dtype=w_emb.dtype, device=w_emb.device).triu(1)
    x = w_emb[input_ids] + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w1, w2 in (b.unbind(0) for b in blocks_weights.unbind(0)):
        h = _ln(x)
        q = (h @ w_q).reshape(N, T, H, dh)
        k = (h @ w_k).reshape(N, T, H, dh)
        v = (h @ w_v).reshape(N, T, H, dh)
        s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh) + bias
        a = torch.einsum("nhij,njhe->nihe", s.softmax(-1), v).reshape(N, T, d)
        x = x + a @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return torch.einsum("ntd,vd->ntv", _ln(x), w_emb)
