"""
CORRECT: Prefills a KV cache one prompt token at a time and decodes incrementally; samples with the Gumbel-max trick using Gumbel noise built from generator uniforms.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _step(tok, index, cache, w_emb, pos_embed, blocks_weights, H):
    N = tok.shape[0]
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[tok] + pos_embed[index]
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ wq).view(N, H, 1, dh)
        cache[i, 0, :, :, index] = (h @ wk).view(N, H, dh)
        cache[i, 1, :, :, index] = (h @ wv).view(N, H, dh)
        K = cache[i, 0, :, :, :index + 1]
        V = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (a @ V).reshape(N, d) @ wo
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    N, T0 = prompt_ids.shape
    d = w_emb.shape[1]
    L = T0 + max_new_tokens
    nb = blocks_weights.shape[0]
    cache = torch.zeros(nb, 2, N, num_heads, max(L, 1), d // num_heads, dtype=w_emb.dtype)
    logits = None
    for t in range(T0):
        logits = _step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    pieces = [prompt_ids]
    ended = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            z = logits / temperature
            if top_k is not None:
                kth = z.topk(top_k, dim=-1).values[:, -1:]
                z = z.masked_fill(z < kth, float("-inf"))
            u = torch.rand(z.shape, generator=generator, dtype=torch.float64)
            u = u.clamp(min=torch.finfo(torch.float64).tiny)
            gumbel = -torch.log(-torch.log(u))
            nxt = (z.double() + gumbel).argmax(dim=-1)
        nxt = nxt.masked_fill(ended, end_token_id)
        ended = ended | (nxt == end_token_id)
        pieces.append(nxt[:, None])
        if s + 1 < max_new_tokens:
            logits = _step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return torch.cat(pieces, dim=1).to(torch.int64)
