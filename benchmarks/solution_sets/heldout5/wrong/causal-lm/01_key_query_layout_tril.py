"""
MISTAKE: The scores are built in a [key, query] layout (einsum 'nhkd,nhqd->nhkq') and normalised over the keys (dim=-2), which is fine, but the causal mask is the usual `tril` applied in that transposed layout, so it allows key >= query: every position attends to itself and the future, not the past.
EXPECTED DIAGNOSIS: The causal mask is flipped (the future is visible, the past hidden): in a [key, query] table the allowed entries are key <= query, i.e. the upper triangle; or build scores as [query, key] and use tril. Causality check: earlier logits change when later tokens change.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _causal_attention(h, w_q, w_k, w_v, w_o, H):
    N, T, d = h.shape
    dh = d // H
    q = (h @ w_q).view(N, T, H, dh).transpose(1, 2)
    k = (h @ w_k).view(N, T, H, dh).transpose(1, 2)
    v = (h @ w_v).view(N, T, H, dh).transpose(1, 2)
    s = torch.einsum('nhkd,nhqd->nhkq', k, q) / math.sqrt(dh)          # [key, query]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool, device=h.device))
    s = s.masked_fill(~allowed, float('-inf'))
    w = torch.softmax(s, dim=-2)                                       # over the keys
    out = torch.einsum('nhkq,nhkd->nhqd', w, v)
    return out.transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        x = x + _causal_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.T
