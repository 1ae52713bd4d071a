"""
CORRECT: Processes each sequence separately in a Python loop (attention per sequence with a per-head loop), gathers masked rows via torch.nonzero in row-major order, handles M = 0 via an empty index.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt((x - m).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x))


def _seq_attention(x, w_q, w_k, w_v, w_o, num_heads):
    # x: (T, d) for one sequence
    T, d = x.shape
    c = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for h in range(num_heads):
        sl = slice(h * c, (h + 1) * c)
        a = torch.softmax(q[:, sl] @ k[:, sl].T / math.sqrt(c), dim=-1)
        heads.append(a @ v[:, sl])
    return torch.cat(heads, dim=-1) @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    finals = []
    for n in range(N):
        x = w_emb[input_ids[n]] + pos_embed[:T]          # (T, d)
        for b in range(blocks_weights.shape[0]):
            w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[b]
            x = x + _seq_attention(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
            x = x + _gelu(_layer_norm(x) @ w1) @ w2
        finals.append(x)
    hidden = torch.stack(finals, dim=0)                  # (N, T, d)
    idx = torch.nonzero(mask_indicator > 0.5)            # (M, 2), row-major order
    rows = hidden[idx[:, 0], idx[:, 1]]                   # (M, d)
    return rows @ w_head
