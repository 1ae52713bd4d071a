"""
MISTAKE: Initialises the `finished` mask from the prompt (rows whose prompt contains end_token_id start finished), so an end token inside the prompt stops the row and all its new tokens become end_token_id.
EXPECTED DIAGNOSIS: Only a generated end token stops a row: start with finished all False; an end token already in the prompt must not stop generation.
"""
import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[ids] + pos_embed[:T]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for W in blocks_weights:
        h = _ln(x)
        q = (h @ W[0]).view(N, T, num_heads, dh).transpose(1, 2)
        k = (h @ W[1]).view(N, T, num_heads, dh).transpose(1, 2)
        v = (h @ W[2]).view(N, T, num_heads, dh).transpose(1, 2)
        s = (q @ k.transpose(-2, -1) / math.sqrt(dh)).masked_fill(~allowed, float("-inf"))
        x = x + (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    s = logits / temperature
    kth = s.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(s.masked_fill(s < kth, float("-inf")), dim=-1)


def sample(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    finished = (prompt_ids == end_token_id).any(dim=1)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            probs = top_k_probs(logits, temperature, top_k) if top_k is not None else torch.softmax(logits / temperature, -1)
            nxt = sample(probs, generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
