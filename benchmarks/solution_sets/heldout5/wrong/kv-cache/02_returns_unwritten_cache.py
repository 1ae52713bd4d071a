"""
MISTAKE: The step clones the cache into `new_cache`, writes this position's keys/values there and attends over it (so the logits are right), but returns the original, unwritten `cache`.
EXPECTED DIAGNOSIS: The returned cache does not hold position `index`: logits are right but the keys/values written at `index` are missing from what is returned; return the tensor you wrote into (`new_cache`).
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = x.var(-1, keepdim=True, unbiased=False)
    return (x - m) / torch.sqrt(v + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    new_cache = cache.clone()                 # do not touch the caller's cache
    N = token_ids.numel()
    d = w_emb.shape[-1]
    H, dh = num_heads, w_emb.shape[-1] // num_heads
    x = w_emb[token_ids][:, None, :] + pos_embed[index]
    for b, W in enumerate(blocks_weights):
        h = layer_norm(x)
        q = torch.einsum('nsd,de->nse', h, W[0]).view(N, 1, H, dh).transpose(1, 2)
        k = torch.einsum('nsd,de->nse', h, W[1]).view(N, 1, H, dh).transpose(1, 2)
        v = torch.einsum('nsd,de->nse', h, W[2]).view(N, 1, H, dh).transpose(1, 2)
        new_cache[b, 0, :, :, index:index + 1] = k
        new_cache[b, 1, :, :, index:index + 1] = v
        K = new_cache[b, 0, :, :, :index + 1]
        Vv = new_cache[b, 1, :, :, :index + 1]
        a = torch.softmax(torch.einsum('nhqe,nhke->nhqk', q, K) / math.sqrt(dh), dim=-1)
        o = torch.einsum('nhqk,nhke->nhqe', a, Vv).transpose(1, 2).reshape(N, 1, d)
        x = x + o @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    logits = (layer_norm(x) @ w_emb.T).squeeze(1)
    return logits, cache
