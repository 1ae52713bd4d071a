"""CORRECT: preallocated int64 output, last-position-only logits, Gumbel-max draw with -inf top-k mask"""

import math

import torch

EPS = 1e-5
GELU_C = math.sqrt(2.0 / math.pi)


def _ln(t):
    mu = t.mean(-1, keepdim=True)
    var = t.var(-1, unbiased=False, keepdim=True)
    return (t - mu) * torch.rsqrt(var + EPS)


def _gelu(t):
    return 0.5 * t * (1 + torch.tanh(GELU_C * (t + 0.044715 * t * t * t)))


def _attention(h, wq, wk, wv, wo, H, causal):
    N, T, d = h.shape
    dh = d // H
    q = torch.einsum("ntd,de->nte", h, wq).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, wk).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, wv).reshape(N, T, H, dh)
    s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool, device=h.device))
        s = s.masked_fill(~keep, float("-inf"))
    a = torch.softmax(s, dim=-1)
    o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
    return o @ wo


def _run_blocks(x, blocks_weights, H, causal):
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i].unbind(0)
        x = x + _attention(_ln(x), wq, wk, wv, wo, H, causal)
        x = x + _gelu(_ln(x) @ w1) @ w2
    return x


def _logits_last(ids, w_emb, pos_embed, blocks_weights, H):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    x = _run_blocks(x, blocks_weights, H, causal=True)
    return _ln(x[:, -1]) @ w_emb.T                      # (N, V): only the last position is needed


def _draw(logits, temperature, top_k, generator):
    """Gumbel-max draw from softmax(logits / T), optionally restricted to the top k."""
    s = logits / temperature
    if top_k is not None:
        kth = s.topk(top_k, dim=-1).values[:, -1:]
        s = s.masked_fill(s < kth, float("-inf"))
    u = torch.rand(s.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
    g = -torch.log(-torch.log(u))
    return torch.argmax(s.double() + g, dim=-1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.empty(N, T0 + max_new_tokens, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    done = torch.zeros(N, dtype=torch.bool)
    for step in range(max_new_tokens):
        t = T0 + step
        logits = _logits_last(out[:, :t], w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0.0:
            tok = torch.argmax(logits, dim=-1)
        else:
            tok = _draw(logits, temperature, top_k, generator)
        tok[done] = end_token_id
        done |= tok == end_token_id
        out[:, t] = tok
    return out
