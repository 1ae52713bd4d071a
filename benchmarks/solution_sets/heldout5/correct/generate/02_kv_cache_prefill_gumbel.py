"""
CORRECT: KV-cache decoding: prefill the prompt one position at a time with a cached step, then step each new token at index T0 + s; sampling by Gumbel-max with noise from the generator; early exit when all rows have ended, padding with the end token.
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def _step(tok, index, cache, w_emb, pos_embed, blocks_weights, H):
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[tok] + pos_embed[index]                       # (N, d)
    for i, W in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ W[0]).view(N, H, dh)
        cache[i, 0, :, :, index] = (h @ W[1]).view(N, H, dh)
        cache[i, 1, :, :, index] = (h @ W[2]).view(N, H, dh)
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(torch.einsum('nhe,nhte->nht', q, K) / math.sqrt(dh), dim=-1)
        x = x + torch.einsum('nht,nhte->nhe', a, Vv).reshape(N, d) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    total = T0 + max_new_tokens
    out = torch.full((N, total), end_token_id, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    if max_new_tokens == 0:
        return out
    d = w_emb.shape[1]
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, total, d // num_heads, dtype=w_emb.dtype)
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    finished = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            z = logits / temperature
            if top_k is not None:
                z = z.masked_fill(z < torch.topk(z, top_k, dim=-1).values[:, -1:], float('-inf'))
            logp = torch.log_softmax(z, dim=-1)
            gumbel = -torch.log(torch.empty_like(logp).exponential_(generator=generator))
            nxt = (logp + gumbel).argmax(-1)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished |= nxt == end_token_id
        out[:, T0 + s] = nxt
        if bool(finished.all()) or s == max_new_tokens - 1:
            break
        logits = _step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return out
