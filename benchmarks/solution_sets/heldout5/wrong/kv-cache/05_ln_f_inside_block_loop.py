"""
MISTAKE: The final layer norm is applied inside the block loop "after the last block" (`if i == num_blocks - 1`), so with num_blocks = 0 the loop never runs and ln_f is skipped.
EXPECTED DIAGNOSIS: ln_f missing when there are no blocks: apply the final layer norm after the loop, unconditionally; the num_blocks = 0 case (embedding + position, ln_f, head) fails.
"""

import math

import torch


def _norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) * torch.rsqrt((x - m).square().mean(-1, keepdim=True) + eps)


def _gelu(x):
    return x * torch.sigmoid(1.5957691216057308 * (x + 0.044715 * x ** 3))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    num_blocks = blocks_weights.shape[0]
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    for i in range(num_blocks):
        W = blocks_weights[i]
        h = _norm(x)
        q = (h @ W[0]).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ W[1]).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ W[2]).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index:index + 1] = k
        cache[i, 1, :, :, index:index + 1] = v
        K = cache[i, 0, :, :, :index + 1]
        Vals = cache[i, 1, :, :, :index + 1]
        p = torch.softmax((q @ K.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
        x = x + (p @ Vals).transpose(1, 2).reshape(N, 1, d) @ W[3]
        x = x + _gelu(_norm(x) @ W[4]) @ W[5]
        if i == num_blocks - 1:
            x = _norm(x)                      # ln_f after the last block
    return (x @ w_emb.T)[:, 0], cache
