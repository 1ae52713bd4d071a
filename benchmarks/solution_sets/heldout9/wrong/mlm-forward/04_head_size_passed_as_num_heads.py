"""MISTAKE: passes `d // num_heads` (the head size) where the block expects the number of heads,
    so attention runs with d_head heads of size num_heads; right only when num_heads**2 == d
    (or with no blocks), wrong for the typical d = 32, 4 heads.

EXPECTED DIAGNOSIS: The attention's head-count argument is num_heads itself; d_head = d //
    num_heads is derived inside.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)


def _gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _mha(x, w_q, w_k, w_v, w_o, num_heads, causal):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def _block(x, bw, num_heads, causal):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = bw
    x = x + _mha(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + _gelu(_layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[i], x.shape[-1] // num_heads, False)
    h = x[mask_indicator > 0.5]
    return h @ w_head
