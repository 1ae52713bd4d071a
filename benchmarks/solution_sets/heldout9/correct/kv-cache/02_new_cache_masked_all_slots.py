"""CORRECT: never touches the given cache (clones it and returns the clone), loops over heads, attends over all max_len slots with a -inf mask on slots > index."""

import math

import torch


def _ln(x):
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) * torch.rsqrt(var + 1e-5)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) at position `index` -> (logits (N, V), cache with position `index` written)."""
    new_cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    max_len = cache.shape[4]
    hidden = torch.arange(max_len, device=cache.device) > index    # slots after index
    x = w_emb[token_ids] + pos_embed[index]
    for i in range(blocks_weights.shape[0]):
        w = blocks_weights[i]
        h = _ln(x)
        q, k, v = h @ w[0], h @ w[1], h @ w[2]
        heads = []
        for j in range(num_heads):
            c = slice(j * dh, (j + 1) * dh)
            new_cache[i, 0, :, j, index] = k[:, c]
            new_cache[i, 1, :, j, index] = v[:, c]
            K = new_cache[i, 0, :, j]                               # (N, max_len, dh)
            Vv = new_cache[i, 1, :, j]
            s = (K @ q[:, c].unsqueeze(-1)).squeeze(-1) / math.sqrt(dh)   # (N, max_len)
            s = s.masked_fill(hidden, float("-inf"))
            heads.append((torch.softmax(s, dim=-1).unsqueeze(1) @ Vv).squeeze(1))
        x = x + torch.cat(heads, dim=-1) @ w[3]
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return _ln(x) @ w_emb.T, new_cache
