"""
MISTAKE: Applies a final layer norm (GPT-2's ln_f) to the last block's output before the head, although this masked LM has no final layer norm.
EXPECTED DIAGNOSIS: Extra final layer norm: in mlm-forward the blocks' output goes straight to w_head (no ln_f).
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mu) / (var + eps).sqrt()


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x.pow(3))))


def _attn(x, wq, wk, wv, wo, H):
    N, T, d = x.shape
    c = d // H
    q, k, v = [(x @ w).view(N, T, H, c).permute(0, 2, 1, 3) for w in (wq, wk, wv)]
    p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c), dim=-1)
    return (p @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ wo


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    h = w_emb[input_ids] + pos_embed[:T].unsqueeze(0)
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i]
        h = h + _attn(_ln(h), wq, wk, wv, wo, num_heads)
        h = h + _gelu(_ln(h) @ w1) @ w2
    h = _ln(h)   # final norm before the head
    sel = h[mask_indicator > 0.5]
    return sel @ w_head
