"""
CORRECT: Works on a flattened (N*T, d) view for selection (index_select on the nonzero positions of the flattened mask), einsum attention per sequence, float64 internally and cast back.
"""

import math

import torch


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    dt = w_emb.dtype
    E, P, B, Wh = w_emb.double(), pos_embed.double(), blocks_weights.double(), w_head.double()
    N, T = input_ids.shape
    d = E.shape[1]
    H, dh = num_heads, d // num_heads

    def ln(t):
        m = t.mean(-1, keepdim=True)
        return (t - m) / torch.sqrt(t.var(-1, keepdim=True, unbiased=False) + 1e-5)

    def gelu(t):
        return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t ** 3)))

    x = E.index_select(0, input_ids.reshape(-1)).view(N, T, d) + P[:T]
    for i in range(B.shape[0]):
        h = ln(x)
        q = torch.einsum('ntd,de->nte', h, B[i, 0]).view(N, T, H, dh)
        k = torch.einsum('ntd,de->nte', h, B[i, 1]).view(N, T, H, dh)
        v = torch.einsum('ntd,de->nte', h, B[i, 2]).view(N, T, H, dh)
        a = torch.softmax(torch.einsum('nihe,njhe->nhij', q, k) / math.sqrt(dh), dim=-1)
        x = x + torch.einsum('nhij,njhe->nihe', a, v).reshape(N, T, d) @ B[i, 3]
        x = x + gelu(ln(x) @ B[i, 4]) @ B[i, 5]
    flat = x.reshape(N * T, d)
    idx = torch.nonzero(mask_indicator.reshape(-1) > 0.5).flatten()
    return (flat.index_select(0, idx) @ Wh).to(dt)
