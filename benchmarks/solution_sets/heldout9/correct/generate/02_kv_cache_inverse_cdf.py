"""CORRECT: incremental decoding with a key/value cache (prefill the prompt token by token, then one step per new token), float64 inverse-CDF sampler with searchsorted, preallocated int64 output."""

import math

import torch


def _ln(x):
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)


def _gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def _step(tok, t, cache, w_emb, pos_embed, blocks_weights, H):
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[tok] + pos_embed[t]
    for i in range(blocks_weights.shape[0]):
        w = blocks_weights[i]
        h = _ln(x)
        q = (h @ w[0]).view(N, H, 1, dh)
        cache[i][0][:, :, t] = (h @ w[1]).view(N, H, dh)
        cache[i][1][:, :, t] = (h @ w[2]).view(N, H, dh)
        K = cache[i][0][:, :, :t + 1]
        Vv = cache[i][1][:, :, :t + 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1) @ Vv   # (N, H, 1, dh)
        x = x + att.reshape(N, d) @ w[3]
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return _ln(x) @ w_emb.T


def _draw(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    j = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return j.clamp_max(probs.shape[1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    total = T0 + max_new_tokens
    out = torch.empty(N, total, dtype=torch.int64, device=prompt_ids.device)
    out[:, :T0] = prompt_ids
    if max_new_tokens == 0:
        return out
    d = w_emb.shape[1]
    dh = d // num_heads
    cache = [[torch.zeros(N, num_heads, total, dh, dtype=w_emb.dtype) for _ in range(2)]
             for _ in range(blocks_weights.shape[0])]
    for t in range(T0):
        logits = _step(out[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    ended = torch.zeros(N, dtype=torch.bool)
    for t in range(T0, total):
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            s = logits / temperature
            if top_k is not None:
                vals, idx = torch.topk(s, top_k, dim=-1)
                s = torch.full_like(s, float("-inf")).scatter(-1, idx, vals)
            nxt = _draw(torch.softmax(s, dim=-1), generator)
        nxt = torch.where(ended, torch.full_like(nxt, end_token_id), nxt)
        ended |= nxt == end_token_id
        out[:, t] = nxt
        if t + 1 < total:
            logits = _step(nxt, t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return out
