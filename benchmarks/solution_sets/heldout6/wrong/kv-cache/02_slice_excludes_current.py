"""
MISTAKE: Reads the keys and values as cache[..., :index] (off by one), so the new token attends to the earlier positions but not to itself; at index 0 it attends to nothing and the attention output is all zeros.
EXPECTED DIAGNOSIS: Off-by-one cache slice: the token at index attends to positions 0..index inclusive, i.e. cache[..., :index + 1], after writing its own key and value.
"""

import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    v = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - m) / torch.sqrt(v + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.numel()
    d = w_emb.size(1)
    hd = d // num_heads
    x = w_emb[token_ids] + pos_embed[index]                          # (N, d)
    for i, W in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ W[0]).view(N, num_heads, hd)
        k = (h @ W[1]).view(N, num_heads, hd)
        v = (h @ W[2]).view(N, num_heads, hd)
        cache[i, 0, :, :, index] = k
        cache[i, 1, :, :, index] = v
        keys = cache[i, 0, :, :, :index]                               # past positions
        vals = cache[i, 1, :, :, :index]
        scores = torch.einsum("nhc,nhtc->nht", q, keys) / math.sqrt(hd)
        p = torch.softmax(scores, dim=-1)
        o = torch.einsum("nht,nhtc->nhc", p, vals).reshape(N, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T, cache
