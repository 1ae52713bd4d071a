"""CORRECT: float64 einsum model, python lists per row, exponential-race (Gumbel) sampler
"""
import math

import torch


def _ln(t, eps=1e-5):
    mu = t.mean(-1, keepdim=True)
    return (t - mu) / torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + eps)


def _block(x, W, H, causal):
    N, T, d = x.shape
    dh = d // H
    h = _ln(x)
    q = torch.einsum("ntd,de->nte", h, W[0]).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, W[1]).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, W[2]).reshape(N, T, H, dh)
    s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), torch.finfo(s.dtype).min)
    s = s - s.max(dim=-1, keepdim=True).values
    p = s.exp()
    p = p / p.sum(dim=-1, keepdim=True)
    ctx = torch.einsum("nhij,njhe->nihe", p, v).reshape(N, T, d)
    x = x + ctx @ W[3]
    u = _ln(x) @ W[4]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    return x + u @ W[5]


def _logits_last(ids, w_emb, pos_embed, blocks_weights, num_heads):
    E = w_emb.double()
    T = ids.shape[1]
    x = E[ids] + pos_embed.double()[:T]
    for W in blocks_weights.double():
        x = _block(x, W, num_heads, causal=True)
    return _ln(x[:, -1]) @ E.T


def _draw(logits, temperature, top_k, generator):
    s = logits / temperature
    if top_k is not None:
        thresh = torch.sort(s, dim=-1, descending=True).values[:, top_k - 1:top_k]
        s = torch.where(s >= thresh, s, torch.full_like(s, float("-inf")))
    logp = torch.log_softmax(s, dim=-1)
    e = torch.empty(logp.shape, dtype=torch.float64).exponential_(generator=generator)
    return torch.argmax(logp - torch.log(e), dim=-1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k=None, generator=None) -> torch.Tensor:
    rows = [list(r) for r in prompt_ids.tolist()]
    ended = [False] * len(rows)
    for _ in range(max_new_tokens):
        ids = torch.tensor(rows, dtype=torch.int64)
        logits = _logits_last(ids, w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0:
            nxt = logits.argmax(dim=-1).tolist()
        else:
            nxt = _draw(logits, temperature, top_k, generator).tolist()
        for n, tok in enumerate(nxt):
            if ended[n]:
                tok = end_token_id
            rows[n].append(tok)
            if tok == end_token_id:
                ended[n] = True
    return torch.tensor(rows, dtype=torch.int64).reshape(prompt_ids.shape[0], -1)
