"""Problem 9 - kv-cache.  Run `grader show kv-cache` for the statement.

Write `causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)`:
one step of causal-lm decoding that reads the past from a key/value cache.

    x = w_emb[token_ids] + pos_embed[index]                       # (N, 1, d): the new token only
    for each block i:
        h = layer_norm(x);  q, k, v = h @ w_q, h @ w_k, h @ w_v   # split into heads
        cache[i, 0, :, :, index] = k;  cache[i, 1, :, :, index] = v
        x = x + attention(q, cache[i, 0, :, :, :index + 1], cache[i, 1, :, :, :index + 1]) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T                              # (N, V)

cache: (num_blocks, 2, N, num_heads, max_len, d_head); [:, 0] keys, [:, 1] values.
Return (logits, cache). Keep no state between calls; project the new token only.
"""

import torch


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    raise NotImplementedError("kv-cache: implement causal_lm_step(token_ids, index, cache, ...)")
