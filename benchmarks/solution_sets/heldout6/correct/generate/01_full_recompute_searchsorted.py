"""
CORRECT: Recomputes the causal LM over the whole sequence each step (einsum attention), greedy argmax or inverse-CDF sampling with searchsorted on top-k / tempered softmax probabilities, forced end tokens for finished rows, early exit when all rows finished with end-token padding.
"""

import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = input_ids.shape
    d = w_emb.shape[1]
    c = d // num_heads
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        h = _ln(x)
        q = torch.einsum("ntd,de->nte", h, W[0]).view(N, T, num_heads, c)
        k = torch.einsum("ntd,de->nte", h, W[1]).view(N, T, num_heads, c)
        v = torch.einsum("ntd,de->nte", h, W[2]).view(N, T, num_heads, c)
        s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(c)
        a = torch.softmax(s.masked_fill(~allowed, float("-inf")), dim=-1)
        x = x + torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T


def _next_token_probs(logits, temperature, top_k):
    scaled = logits / temperature
    if top_k is not None:
        kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(scaled, dim=-1)


def _draw(probs, generator):
    cdf = probs.to(torch.float64).cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return idx.clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    ids = prompt_ids.clone()
    finished = torch.zeros(N, dtype=torch.bool)
    for _ in range(max_new_tokens):
        if finished.all():
            break
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = _draw(_next_token_probs(logits, temperature, top_k), generator)
        nxt = nxt.masked_fill(finished, end_token_id)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt.unsqueeze(1)], dim=1)
    short = T0 + max_new_tokens - ids.shape[1]
    if short > 0:
        ids = torch.cat([ids, torch.full((N, short), end_token_id, dtype=torch.int64)], dim=1)
    return ids
