"""
MISTAKE: In each block the keys/values are read from the cache (`:index + 1`) before this token's k and v are written, so the attention sees a still-zero slot at `index` (a zero key with weight exp(0) and a zero value) instead of the current token; the write happens afterwards.
EXPECTED DIAGNOSIS: Cache written after it is read: write k, v at `index` first, then attend over `cache[..., :index + 1, :]`; as written the current position attends to an empty (zero) slot instead of itself (logits wrong at every index; block 0's cache entries are right, but later blocks' keys/values inherit the wrong activations).
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i]
        h = _ln(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ w_k).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, dh).transpose(1, 2)
        keys = cache[i, 0, :, :, :index + 1]
        vals = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ keys.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        ctx = (att @ vals).transpose(1, 2).reshape(N, 1, d)
        # store this position for the next steps
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        x = x + ctx @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    logits = _ln(x) @ w_emb.T
    return logits[:, 0], cache
