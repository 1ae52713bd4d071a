"""
MISTAKE: The MLP's activation helper is the exact erf GELU, 0.5 * x * (1 + erf(x / sqrt(2))), instead of the tanh approximation the model uses.
EXPECTED DIAGNOSIS: Your gelu building block is the erf (exact) GELU; the model uses the tanh approximation 0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715x^3))).
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = x + multi_head_attention(layer_norm(x), bw[0], bw[1], bw[2], bw[3], num_heads, causal=True)
        x = x + gelu(layer_norm(x) @ bw[4]) @ bw[5]
    return layer_norm(x) @ w_emb.T
