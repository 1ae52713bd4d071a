"""
MISTAKE: Selects the masked rows after transposing to (T, N, d), so the logits come out in time-major order (position, then sequence) instead of row-major (sequence, then position).
EXPECTED DIAGNOSIS: Right logits, wrong row order: masked positions must be listed batch-first (all of sequence 0 in time order, then sequence 1, ...), as x[mask_indicator > 0.5] gives.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c / (c.pow(2).mean(-1, keepdim=True) + eps).sqrt()


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def mha(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    k = (x @ w_k).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    v = (x @ w_v).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
    return (w @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    T = input_ids.size(1)
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = x + mha(layer_norm(x), bw[0], bw[1], bw[2], bw[3], num_heads)
        x = x + gelu(layer_norm(x) @ bw[4]) @ bw[5]
    # gather masked positions position by position
    xt = x.transpose(0, 1)                     # (T, N, d)
    sel = mask_indicator.transpose(0, 1) > 0.5  # (T, N)
    return xt[sel] @ w_head
