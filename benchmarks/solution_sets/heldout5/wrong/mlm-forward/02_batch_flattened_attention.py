"""
MISTAKE: The attention flattens the batch into one (N*T, d) matrix and splits heads on that, so the scores are (H, N*T, N*T): every position attends to the positions of all sequences in the batch, not just its own (right only for N = 1).
EXPECTED DIAGNOSIS: Sequences in a batch are mixed in attention: the scores must be per sequence, (N, H, T, T); keep the batch axis separate when splitting heads (`view(N, T, H, d_head).transpose(1, 2)`).
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, unbiased=False, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def _attention(h2d, w_q, w_k, w_v, w_o, H):
    # h2d: (N*T, d), everything as plain 2-D matmuls
    R, d = h2d.shape
    dh = d // H
    q = (h2d @ w_q).view(R, H, dh).transpose(0, 1)        # (H, R, dh)
    k = (h2d @ w_k).view(R, H, dh).transpose(0, 1)
    v = (h2d @ w_v).view(R, H, dh).transpose(0, 1)
    a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), dim=-1)
    out = (a @ v).transpose(0, 1).reshape(R, d)
    return out @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    x = (w_emb[input_ids] + pos_embed[:T]).reshape(N * T, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        x = x + _attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    sel = mask_indicator.reshape(N * T) > 0.5
    return x[sel] @ w_head
