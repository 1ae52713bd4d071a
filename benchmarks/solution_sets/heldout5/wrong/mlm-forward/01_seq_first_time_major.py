"""
MISTAKE: The model runs in a sequence-first (T, N, d) layout (the seq-first convention of older PyTorch transformer code) and the masked rows are selected in that layout with `x[mask_indicator.T > 0.5]`, so the logits come out in time-major order (all sequences' position 0, then position 1, ...) instead of batch-then-time.
EXPECTED DIAGNOSIS: Right logits in the wrong row order: masked positions must be taken row-major (sequence 0's in time order, then sequence 1's); select with `x[mask_indicator > 0.5]` on the (N, T, d) tensor (the two orders agree only when N = 1).
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _mha_seq_first(x, w_q, w_k, w_v, w_o, H):
    # x: (T, N, d)
    T, N, d = x.shape
    dh = d // H
    q = (x @ w_q).view(T, N, H, dh).permute(1, 2, 0, 3)   # (N, H, T, dh)
    k = (x @ w_k).view(T, N, H, dh).permute(1, 2, 0, 3)
    v = (x @ w_v).view(T, N, H, dh).permute(1, 2, 0, 3)
    w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
    o = (w @ v).permute(2, 0, 1, 3).reshape(T, N, d)      # back to (T, N, d)
    return o @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    ids = input_ids.t()                                    # (T, N): sequence-first
    x = w_emb[ids] + pos_embed[:T].unsqueeze(1)            # (T, N, d)
    for w in blocks_weights:
        x = x + _mha_seq_first(_layer_norm(x), w[0], w[1], w[2], w[3], num_heads)
        x = x + _gelu(_layer_norm(x) @ w[4]) @ w[5]
    picked = x[mask_indicator.t() > 0.5]                   # (M, d)
    return picked @ w_head
