"""
CORRECT: Decodes with a KV cache in float64: prefills the prompt one position at a time with a cached step, then steps each new token at index T0 + s; sampling uses exponential-race Gumbel-max with the generator.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def _step(tok, index, cache, E, P, B, nh):
    """tok (N,), one position; cache (L, 2, N, nh, max_len, dh) written in place."""
    N = tok.shape[0]
    d = E.shape[1]
    dh = d // nh
    x = E[tok] + P[index]
    for i in range(B.shape[0]):
        W = B[i]
        h = _ln(x)
        q = (h @ W[0]).view(N, nh, dh)
        cache[i, 0, :, :, index] = (h @ W[1]).view(N, nh, dh)
        cache[i, 1, :, :, index] = (h @ W[2]).view(N, nh, dh)
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(torch.einsum("nhe,nhte->nht", q, K) / math.sqrt(dh), dim=-1)
        x = x + torch.einsum("nht,nhte->nhe", a, Vv).reshape(N, d) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ E.T


def _top_k_probs(logits, temperature, k):
    s = logits / temperature
    kth = s.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(s.masked_fill(s < kth, float("-inf")), dim=-1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    E, P, B = w_emb.double(), pos_embed.double(), blocks_weights.double()
    d = E.shape[1]
    total = T0 + max_new_tokens
    cache = torch.zeros(B.shape[0], 2, N, num_heads, total, d // num_heads, dtype=torch.float64)
    logits = None
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, cache, E, P, B, num_heads)
    pieces = [prompt_ids]
    finished = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            probs = (_top_k_probs(logits, temperature, top_k) if top_k is not None
                     else torch.softmax(logits / temperature, dim=-1))
            noise = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
            nxt = (probs / noise).argmax(dim=-1)
        nxt = nxt.masked_fill(finished, end_token_id)
        finished = finished | (nxt == end_token_id)
        pieces.append(nxt.unsqueeze(1))
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, cache, E, P, B, num_heads)
    return torch.cat(pieces, dim=1).to(torch.int64)
