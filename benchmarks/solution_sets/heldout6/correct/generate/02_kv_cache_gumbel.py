"""
CORRECT: Prefills a KV cache token by token over the prompt, then decodes each new token with one cached step at index T0 + s; sampling by Gumbel-max (argmax(log p - log E), E exponential from the generator), greedy by argmax; finished rows are fed and emit the end token.
"""

import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt((x - m).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _step(tokens, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = tokens.shape[0]
    d = w_emb.shape[1]
    c = d // num_heads
    x = (w_emb[tokens] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i]
        h = _ln(x)
        q = (h @ w_q).view(N, 1, num_heads, c).transpose(1, 2)
        cache[i, 0, :, :, index] = (h @ w_k).view(N, num_heads, c)
        cache[i, 1, :, :, index] = (h @ w_v).view(N, num_heads, c)
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(c), dim=-1)
        x = x + (a @ Vv).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return (_ln(x) @ w_emb.T)[:, 0]


def _probs(logits, temperature, top_k):
    s = logits / temperature
    if top_k is not None:
        vals, idx = s.topk(top_k, dim=-1)
        s = torch.full_like(s, float("-inf")).scatter(-1, idx, vals)
    return torch.softmax(s, dim=-1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    if max_new_tokens == 0:
        return prompt_ids.clone()
    d = w_emb.shape[1]
    c = d // num_heads
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, pos_embed.shape[0], c, dtype=w_emb.dtype)
    logits = None
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    new_tokens = []
    finished = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            p = _probs(logits, temperature, top_k).to(torch.float64)
            e = torch.empty_like(p).exponential_(generator=generator)
            nxt = torch.argmax(torch.log(p) - torch.log(e), dim=-1)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        new_tokens.append(nxt)
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return torch.cat([prompt_ids, torch.stack(new_tokens, dim=1)], dim=1)
