"""
CORRECT: float64 internally with einsum, an additive mask built from index comparison (0 / -inf), tied head via F.linear, cast back to the weights' dtype.
"""

import math

import torch
import torch.nn.functional as F


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    out_dtype = w_emb.dtype
    E = w_emb.double()
    N, T = input_ids.shape
    d = E.shape[1]
    H, dh = num_heads, d // num_heads

    def ln(t):
        mu = t.mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt(t.var(-1, keepdim=True, correction=0) + 1e-5)

    def gelu(t):
        return 0.5 * t * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (t + 0.044715 * t ** 3)))

    i = torch.arange(T).unsqueeze(1)
    j = torch.arange(T).unsqueeze(0)
    add_mask = torch.zeros(T, T, dtype=torch.float64).masked_fill(j > i, float('-inf'))

    x = F.embedding(input_ids, E) + pos_embed[:T].double()
    for W in blocks_weights.double():
        h = ln(x)
        q = torch.einsum('ntc,cd->ntd', h, W[0]).view(N, T, H, dh)
        k = torch.einsum('ntc,cd->ntd', h, W[1]).view(N, T, H, dh)
        v = torch.einsum('ntc,cd->ntd', h, W[2]).view(N, T, H, dh)
        s = torch.einsum('nqhc,nkhc->nhqk', q, k) / math.sqrt(dh) + add_mask
        o = torch.einsum('nhqk,nkhc->nqhc', torch.softmax(s, -1), v).reshape(N, T, d)
        x = x + o @ W[3]
        x = x + gelu(ln(x) @ W[4]) @ W[5]
    return F.linear(ln(x), E).to(out_dtype)
