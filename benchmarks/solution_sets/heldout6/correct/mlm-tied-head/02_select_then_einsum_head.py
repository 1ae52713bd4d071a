"""
CORRECT: Reusable layer_norm / gelu / multi_head_attention / pre_ln_block helpers (per-head loop), masked rows gathered with nonzero(as_tuple=True) indexing, head as einsum 'md,vd->mv' against the untouched w_emb.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    c = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    parts = []
    for h in range(num_heads):
        s = q[..., h * c:(h + 1) * c] @ k[..., h * c:(h + 1) * c].transpose(-1, -2) / math.sqrt(c)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        parts.append(torch.softmax(s, dim=-1) @ v[..., h * c:(h + 1) * c])
    return torch.cat(parts, dim=-1) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights.unbind(0):
        x = pre_ln_block(x, bw, num_heads)
    n_idx, t_idx = torch.nonzero(mask_indicator > 0.5, as_tuple=True)
    h = x[n_idx, t_idx]
    return torch.einsum("md,vd->mv", h, w_emb)
