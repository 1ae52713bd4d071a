"""Correct: incremental decoding with a key/value cache (prefill by stepping the prompt one token at a
time), greedy argmax or inverse-CDF sampling with float64 cumsum + searchsorted from the generator."""
import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _step(tok, t, K, Vc, w_emb, pos_embed, blocks, H):
    """tok (N,), position t; K, Vc: lists of (N, H, L, dh) per block, written in place (our own buffers)."""
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[tok] + pos_embed[t]
    for i, w in enumerate(blocks):
        h = _ln(x)
        q = (h @ w[0]).view(N, H, 1, dh)
        K[i][:, :, t] = (h @ w[1]).view(N, H, dh)
        Vc[i][:, :, t] = (h @ w[2]).view(N, H, dh)
        a = torch.softmax(q @ K[i][:, :, :t + 1].transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (a @ Vc[i][:, :, :t + 1]).reshape(N, d) @ w[3]
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return _ln(x) @ w_emb.T


def _top_k(logits, temperature, k):
    s = logits / temperature
    vals, idx = s.topk(k, dim=-1)
    return torch.zeros_like(s).scatter(-1, idx, torch.softmax(vals, dim=-1))


def _draw(probs, generator):
    cdf = probs.to(torch.float64).cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=probs.shape[1] - 1)


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights,
             num_heads, temperature=0.0, top_k=None, generator=None):
    N, T0 = prompt_ids.shape
    if max_new_tokens == 0:
        return prompt_ids.clone()
    d = w_emb.shape[1]
    L = T0 + max_new_tokens
    dh = d // num_heads
    K = [torch.zeros(N, num_heads, L, dh, dtype=w_emb.dtype) for _ in range(blocks_weights.shape[0])]
    Vc = [torch.zeros_like(k) for k in K]
    out = torch.empty(N, L, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    logits = None
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, K, Vc, w_emb, pos_embed, blocks_weights, num_heads)
    done = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            probs = torch.softmax(logits / temperature, -1) if top_k is None else _top_k(logits, temperature, top_k)
            nxt = _draw(probs, generator)
        nxt = nxt.masked_fill(done, end_token_id)
        done |= nxt == end_token_id
        out[:, T0 + s] = nxt
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, K, Vc, w_emb, pos_embed, blocks_weights, num_heads)
    return out
