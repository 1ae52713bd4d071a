"""
CORRECT: Float64 internally, per-head loop over column slices with an additive triu(-inf, 1) mask, ln_f once after the loop, tied head x @ w_emb.T, cast back to the weights' dtype.
"""

import math

import torch


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    out_dtype = w_emb.dtype
    E = w_emb.to(torch.float64)
    N, T = input_ids.shape
    d = E.shape[1]
    c = d // num_heads

    def ln(t):
        m = t.mean(-1, keepdim=True)
        return (t - m) / torch.sqrt((t - m).pow(2).mean(-1, keepdim=True) + 1e-5)

    def gelu(t):
        return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t ** 3)))

    future = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), diagonal=1)
    x = E[input_ids] + pos_embed[:T].to(torch.float64)
    for blk in blocks_weights.to(torch.float64):
        h = ln(x)
        q, k, v = h @ blk[0], h @ blk[1], h @ blk[2]
        heads = []
        for i in range(num_heads):
            cs = slice(i * c, (i + 1) * c)
            s = q[..., cs] @ k[..., cs].transpose(1, 2) / math.sqrt(c) + future
            heads.append(torch.softmax(s, dim=-1) @ v[..., cs])
        x = x + torch.cat(heads, dim=-1) @ blk[3]
        x = x + gelu(ln(x) @ blk[4]) @ blk[5]
    return (ln(x) @ E.T).to(out_dtype)
