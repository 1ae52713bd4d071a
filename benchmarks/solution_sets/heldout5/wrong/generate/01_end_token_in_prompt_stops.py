"""
MISTAKE: The finished-row mask is initialised from the prompt (`finished = (prompt_ids == end_token_id).any(dim=1)`), so a row whose prompt already contains the end token emits only end tokens.
EXPECTED DIAGNOSIS: An end token inside the prompt stopped its row: start with `finished` all False; only a generated end token ends a row.
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _forward(ids, w_emb, pos_embed, blocks_weights, H):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[ids] + pos_embed[:T]
    mask = torch.ones(T, T, dtype=torch.bool, device=ids.device).tril()
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        h = _ln(x)
        q = (h @ w_q).view(N, T, H, dh).transpose(1, 2)
        k = (h @ w_k).view(N, T, H, dh).transpose(1, 2)
        v = (h @ w_v).view(N, T, H, dh).transpose(1, 2)
        s = (q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(~mask, float('-inf'))
        x = x + (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T


def _sample(probs, generator):
    cdf = probs.cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    finished = (prompt_ids == end_token_id).any(dim=1)
    for _ in range(max_new_tokens):
        logits = _forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            s = logits / temperature
            if top_k is not None:
                kth = s.topk(top_k, dim=-1).values[:, -1:]
                s = s.masked_fill(s < kth, float('-inf'))
            nxt = _sample(torch.softmax(s, dim=-1), generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
