"""
CORRECT: Preallocates the output filled with end_token_id, recomputes the causal forward each step (einsum attention), samples by inverse CDF with searchsorted from the generator, and stops early once every row has ended (the remaining columns are already end tokens).
"""
import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _forward(ids, w_emb, pos_embed, blocks_weights, nh):
    N, T = ids.shape
    d = w_emb.shape[1]
    e = d // nh
    x = w_emb[ids] + pos_embed[:T]
    bias = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    for W in blocks_weights:
        h = _ln(x)
        q = torch.einsum("ntd,df->ntf", h, W[0]).view(N, T, nh, e)
        k = torch.einsum("ntd,df->ntf", h, W[1]).view(N, T, nh, e)
        v = torch.einsum("ntd,df->ntf", h, W[2]).view(N, T, nh, e)
        a = torch.softmax(torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e) + bias, dim=-1)
        x = x + torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T


def _top_k_probs(logits, temperature, k):
    vals, idx = (logits / temperature).topk(k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, idx, torch.softmax(vals, dim=-1))


def _sample(probs, generator):
    cdf = probs.to(torch.float64).cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.full((N, T0 + max_new_tokens), end_token_id, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    alive = torch.ones(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if not bool(alive.any()):
            break
        t = T0 + s
        logits = _forward(out[:, :t], w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            probs = (_top_k_probs(logits, temperature, top_k) if top_k is not None
                     else torch.softmax(logits / temperature, dim=-1))
            nxt = _sample(probs, generator)
        nxt = torch.where(alive, nxt, torch.full_like(nxt, end_token_id))
        out[:, t] = nxt
        alive = alive & (nxt != end_token_id)
    return out
