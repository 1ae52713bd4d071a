"""
MISTAKE: The tied head uses w_emb.reshape(d, V) instead of w_emb.T, which has the right shape but cuts the embedding table into the wrong columns.
EXPECTED DIAGNOSIS: Transpose, do not reshape: token v's logit must be h . w_emb[v], i.e. h @ w_emb.T; reshape/view rearranges the memory instead of swapping rows and columns.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    V, d = w_emb.shape
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w in blocks_weights:
        x = x + attention(layer_norm(x), w[0], w[1], w[2], w[3], num_heads)
        x = x + gelu(layer_norm(x) @ w[4]) @ w[5]
    h = x[mask_indicator > 0.5]
    return h @ w_emb.reshape(d, V)
