"""
CORRECT: einsum attention with an additive float mask (-inf strictly above the diagonal, built with triu), ln_f once after the loop, tied head via einsum against the embedding rows.
"""
import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    e = d // num_heads
    x = w_emb[input_ids] + pos_embed[:T]
    bias = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    for W in blocks_weights:
        h = _ln(x)
        q = torch.einsum("ntd,df->ntf", h, W[0]).view(N, T, num_heads, e)
        k = torch.einsum("ntd,df->ntf", h, W[1]).view(N, T, num_heads, e)
        v = torch.einsum("ntd,df->ntf", h, W[2]).view(N, T, num_heads, e)
        s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e) + bias
        o = torch.einsum("nhqk,nkhe->nqhe", torch.softmax(s, dim=-1), v).reshape(N, T, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return torch.einsum("ntd,vd->ntv", _ln(x), w_emb)
