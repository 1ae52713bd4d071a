"""
MISTAKE: The layer-norm helper centres its argument in place (`x -= mean`), so in `x = x + mha(layer_norm(x))` the residual stream itself is mean-subtracted before the add (in both sub-layers of every block); the inputs are untouched because the first x is a fresh tensor.
EXPECTED DIAGNOSIS: The residual stream is modified by the layer norm: `layer_norm` must return a new tensor (`x - mean`), not subtract in place, otherwise the residual adds the centred x instead of the original (num_blocks = 0 still passes).
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    x -= x.mean(dim=-1, keepdim=True)
    var = (x * x).mean(dim=-1, keepdim=True)
    return x / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), 1), float('-inf'))
    return (s.softmax(dim=-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 in blocks_weights:
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x[mask_indicator > 0.5] @ w_emb.T
