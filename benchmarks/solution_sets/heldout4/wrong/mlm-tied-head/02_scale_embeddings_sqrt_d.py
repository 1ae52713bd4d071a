"""
MISTAKE: Multiplies the token embeddings by sqrt(d_model) on the way in (the "Attention Is All You Need" convention), which this model does not do.
EXPECTED DIAGNOSIS: The token embeddings go in unscaled: x = w_emb[input_ids] + pos_embed[:T], with no * sqrt(d).
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, -1, correction=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def _attn(x, wq, wk, wv, wo, nh):
    N, T, d = x.shape
    e = d // nh
    q = torch.einsum("btc,cf->btf", x, wq).view(N, T, nh, e)
    k = torch.einsum("btc,cf->btf", x, wk).view(N, T, nh, e)
    v = torch.einsum("btc,cf->btf", x, wv).view(N, T, nh, e)
    p = torch.einsum("bqhe,bkhe->bhqk", q, k).mul(1.0 / math.sqrt(e)).softmax(dim=-1)
    return torch.einsum("bhqk,bkhe->bqhe", p, v).reshape(N, T, d) @ wo


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    d = w_emb.shape[1]
    T = input_ids.shape[-1]
    x = w_emb[input_ids] * math.sqrt(d) + pos_embed[:T]
    for W in blocks_weights:
        x = x + _attn(_ln(x), W[0], W[1], W[2], W[3], num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return x[mask_indicator > 0.5] @ w_emb.t()
