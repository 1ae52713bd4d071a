"""
MISTAKE: The loop breaks as soon as ANY row emits the end token and pads every row with end tokens from there, so rows that had not finished are cut short.
EXPECTED DIAGNOSIS: A row stopped although it had not emitted the end token: end tokens stop their own row only; stop early only when every row has finished (`finished.all()`), and keep decoding the others.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = input_ids.shape
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[input_ids] + pos_embed[:T]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for W in blocks_weights:
        h = layer_norm(x)
        q = torch.einsum('ntd,de->nte', h, W[0]).view(N, T, num_heads, dh)
        k = torch.einsum('ntd,de->nte', h, W[1]).view(N, T, num_heads, dh)
        v = torch.einsum('ntd,de->nte', h, W[2]).view(N, T, num_heads, dh)
        s = torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh)
        s = s.masked_fill(future, float('-inf'))
        o = torch.einsum('nhqk,nkhe->nqhe', s.softmax(-1), v).reshape(N, T, d)
        x = x + o @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    vals, idx = (logits / temperature).topk(k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, idx, vals.softmax(-1))


def sample(probs, generator):
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64)
    cdf = probs.double().cumsum(-1)
    return (cdf <= u * cdf[:, -1:]).sum(-1).clamp(max=probs.shape[1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.full((N, T0 + max_new_tokens), end_token_id, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    ids = prompt_ids
    for step in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(-1)
        elif top_k is None:
            nxt = sample(torch.softmax(logits / temperature, -1), generator)
        else:
            nxt = sample(top_k_probs(logits, temperature, top_k), generator)
        out[:, T0 + step] = nxt
        ids = out[:, :T0 + step + 1]
        if (nxt == end_token_id).any():
            break                                  # generation is over: the rest stays end tokens
    return out
