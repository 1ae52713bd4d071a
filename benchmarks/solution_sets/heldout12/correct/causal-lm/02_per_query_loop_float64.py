"""CORRECT causal-lm: float64 inside; attention loops over query positions t and attends only to keys
0..t (slicing instead of a mask), heads via view/transpose; pre-LN blocks, final LN, tied head; cast back to
the weights' dtype.
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


def _attn_by_position(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    out = torch.empty_like(q)
    for t in range(T):
        s = q[:, :, t:t + 1] @ k[:, :, :t + 1].transpose(-1, -2) / math.sqrt(dh)
        out[:, :, t:t + 1] = torch.softmax(s, dim=-1) @ v[:, :, :t + 1]
    return out.transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    dt = w_emb.dtype
    emb = w_emb.double()
    T = input_ids.shape[1]
    x = emb[input_ids] + pos_embed[:T].double()
    for bw in blocks_weights.double():
        x = x + _attn_by_position(layer_norm(x), bw[0], bw[1], bw[2], bw[3], num_heads)
        x = x + gelu(layer_norm(x) @ bw[4]) @ bw[5]
    return (layer_norm(x) @ emb.T).to(dt)
