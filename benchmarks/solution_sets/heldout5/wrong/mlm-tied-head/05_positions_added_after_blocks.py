"""
MISTAKE: The position embeddings are added after the blocks, just before the head, instead of to the token embeddings before the first block (so the blocks never see positions).
EXPECTED DIAGNOSIS: Positions added late: `x = w_emb[input_ids] + pos_embed[:T]` must be the blocks' input; adding pos_embed after the blocks changes every logit (only num_blocks = 0 agrees).
"""

import math

import torch


def _norm(t, eps=1e-5):
    m = t.mean(-1, keepdim=True)
    return (t - m) / ((t - m).pow(2).mean(-1, keepdim=True) + eps).sqrt()


def _act(t):
    return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t.pow(3))))


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.size(1)
    nh, hd = num_heads, d // num_heads
    x = w_emb[input_ids]
    for W in blocks_weights:
        h = _norm(x)
        q = torch.einsum('btc,cd->btd', h, W[0]).reshape(N, T, nh, hd)
        k = torch.einsum('btc,cd->btd', h, W[1]).reshape(N, T, nh, hd)
        v = torch.einsum('btc,cd->btd', h, W[2]).reshape(N, T, nh, hd)
        s = torch.einsum('bqhd,bkhd->bhqk', q, k) / math.sqrt(hd)
        o = torch.einsum('bhqk,bkhd->bqhd', s.softmax(-1), v).reshape(N, T, d)
        x = x + o @ W[3]
        x = x + _act(_norm(x) @ W[4]) @ W[5]
    x = x + pos_embed[:T]
    return torch.einsum('md,vd->mv', x[mask_indicator > 0.5], w_emb)
