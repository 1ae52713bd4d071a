"""MISTAKE: sets the hidden scores to 0 instead of -inf before the softmax
EXPECTED DIAGNOSIS: A score of 0 still gets weight exp(0) > 0; hidden scores must be -inf so the future gets weight exactly 0.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, d_head).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, d_head).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, 0.0)
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for block_weights in blocks_weights:
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal=True)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    h = layer_norm(x)
    return h @ w_emb.T
