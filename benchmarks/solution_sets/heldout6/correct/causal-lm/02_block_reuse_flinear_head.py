"""
CORRECT: Reuses layer_norm / gelu / multi_head_attention / pre_ln_block helpers (einsum attention, boolean tril mask via masked_fill), ln_f after the loop, head via torch.nn.functional.linear(x, w_emb).
"""

import math

import torch
import torch.nn.functional as F


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, unbiased=False)
    return (x - mean) * torch.rsqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    c = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).view(N, T, num_heads, c)
    k = torch.einsum("ntd,de->nte", x, w_k).view(N, T, num_heads, c)
    v = torch.einsum("ntd,de->nte", x, w_v).view(N, T, num_heads, c)
    s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(c)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~allowed, float("-inf"))
    p = torch.softmax(s, dim=-1)
    return torch.einsum("nhij,njhc->nihc", p, v).reshape(N, T, d) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    T = input_ids.size(1)
    positions = torch.arange(T, device=input_ids.device)
    x = w_emb[input_ids] + pos_embed[positions]
    for i in range(blocks_weights.size(0)):
        x = pre_ln_block(x, blocks_weights[i], num_heads, causal=True)
    return F.linear(layer_norm(x), w_emb)
