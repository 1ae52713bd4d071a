"""
CORRECT: Recomputes the full causal forward each step (per-head loop), greedy argmax at temperature 0, otherwise top-k/plain softmax probabilities and inverse-CDF sampling in float64 from the generator; finished rows forced to the end token with torch.where.
"""

import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _last_logits(ids, w_emb, pos_embed, blocks_weights, H):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[ids] + pos_embed[:T]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for W in blocks_weights:
        h = _ln(x)
        q, k, v = h @ W[0], h @ W[1], h @ W[2]
        heads = []
        for i in range(H):
            c = slice(i * dh, (i + 1) * dh)
            s = (q[..., c] @ k[..., c].transpose(1, 2)) / math.sqrt(dh)
            heads.append(torch.softmax(s.masked_fill(~allowed, float('-inf')), -1) @ v[..., c])
        x = x + torch.cat(heads, -1) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x[:, -1]) @ w_emb.T


def _probs(logits, temperature, top_k):
    s = logits / temperature
    if top_k is not None:
        kth = s.topk(top_k, dim=-1).values[..., -1:]
        s = s.masked_fill(s < kth, float('-inf'))
    return torch.softmax(s, dim=-1)


def _draw(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = _last_logits(ids, w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = _draw(_probs(logits, temperature, top_k), generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt.unsqueeze(1)], dim=1)
    return ids
