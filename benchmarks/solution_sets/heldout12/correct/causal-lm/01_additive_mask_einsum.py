"""CORRECT causal-lm: one additive mask (0 on/below the diagonal, -inf above) built per call, einsum
attention with contiguous head columns, pre-LN blocks, final LN, tied head x @ w_emb.T; dtype kept.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _causal_attention(x, w_q, w_k, w_v, w_o, num_heads, bias):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh)
    k = (x @ w_k).view(N, T, num_heads, dh)
    v = (x @ w_v).view(N, T, num_heads, dh)
    s = torch.einsum("nihc,njhc->nhij", q, k) * (1.0 / math.sqrt(dh)) + bias
    o = torch.einsum("nhij,njhc->nihc", torch.softmax(s, dim=-1), v).reshape(N, T, d)
    return o @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    N, T = input_ids.shape
    bias = torch.zeros(T, T, dtype=w_emb.dtype).masked_fill(
        torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    x = w_emb[input_ids] + pos_embed[:T]
    for b in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[b]
        x = x + _causal_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, bias)
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.t()
