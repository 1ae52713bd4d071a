"""CORRECT: decodes with a KV cache (prefill the prompt one position at a time with the cached step, then one step per
new token at index T0 + s), float64 inverse-CDF sampling from `generator`, greedy argmax at temperature 0; ended rows keep
emitting end_token_id. Gives the same logits as recomputing the full forward pass.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _step(tok, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[tok] + pos_embed[index]
    for i, w in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ w[0]).view(N, num_heads, 1, dh)
        cache[i, 0, :, :, index] = (h @ w[1]).view(N, num_heads, dh)
        cache[i, 1, :, :, index] = (h @ w[2]).view(N, num_heads, dh)
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        x = x + (a @ Vv).reshape(N, d) @ w[3]
        x = x + gelu(layer_norm(x) @ w[4]) @ w[5]
    return layer_norm(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    d = w_emb.shape[1]
    total = T0 + max_new_tokens
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, total, d // num_heads, dtype=w_emb.dtype)
    ids = [prompt_ids[:, t].clone() for t in range(T0)]
    if max_new_tokens == 0:
        return prompt_ids.clone()
    for t in range(T0):
        logits = _step(ids[t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    ended = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            z = logits.double() / temperature
            if top_k is not None:
                vals, idx = z.topk(top_k, dim=-1)
                z = torch.full_like(z, float("-inf")).scatter(-1, idx, vals)
            cdf = torch.softmax(z, dim=-1).cumsum(dim=-1)
            u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
            nxt = torch.searchsorted(cdf, u, right=True).clamp(max=z.shape[-1] - 1).view(N)
        nxt = torch.where(ended, torch.full_like(nxt, end_token_id), nxt)
        ended = ended | (nxt == end_token_id)
        ids.append(nxt)
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return torch.stack(ids, dim=1).to(torch.int64)
