"""CORRECT (KV-cached incremental decoding (prefill token by token), exponential-race sampler, masked_fill padding).
"""
import math

import torch


def _ln(x):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _step(tok, t, cache, w_emb, pos_embed, W, H):
    """One position for every row; writes k/v at t into `cache` (our own tensor)."""
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[tok] + pos_embed[t]
    for b in range(W.shape[0]):
        wq, wk, wv, wo, w1, w2 = W[b]
        h = _ln(x)
        cache[b, 0, :, :, t] = (h @ wk).view(N, H, dh)
        cache[b, 1, :, :, t] = (h @ wv).view(N, H, dh)
        q = (h @ wq).view(N, H, dh)
        s = torch.einsum("nhc,nhjc->nhj", q, cache[b, 0, :, :, : t + 1]) / math.sqrt(dh)
        a = torch.einsum("nhj,nhjc->nhc", s.softmax(-1), cache[b, 1, :, :, : t + 1])
        x = x + a.reshape(N, d) @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T


def _draw(probs, generator):
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    score = torch.where(probs > 0, probs.double() / e, torch.full_like(e, -1.0))
    return score.argmax(-1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    N, T0 = prompt_ids.shape
    d = w_emb.shape[1]
    L = T0 + max_new_tokens
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, L, d // num_heads, dtype=w_emb.dtype)
    out = [prompt_ids[:, t] for t in range(T0)]
    if max_new_tokens == 0:
        return prompt_ids.clone()
    logits = None
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    done = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            z = logits / temperature
            if top_k is not None:
                kth = z.topk(top_k, dim=-1).values[:, -1:]
                z = z.masked_fill(z < kth, -math.inf)
            nxt = _draw(z.softmax(-1), generator)
        nxt = nxt.masked_fill(done, end_token_id).long()
        done = done | nxt.eq(end_token_id)
        out.append(nxt)
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return torch.stack(out, dim=1)
