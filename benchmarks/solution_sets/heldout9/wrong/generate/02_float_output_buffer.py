"""MISTAKE: preallocates the output with `torch.zeros(N, T0 + max_new_tokens)` (default float32)
    and returns it, so the ids come back as float32 instead of int64 (values right).

EXPECTED DIAGNOSIS: Allocate the buffer with dtype=prompt_ids.dtype (int64), or build the ids
    with torch.cat.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)


def _gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _mha(x, w_q, w_k, w_v, w_o, num_heads, causal):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def _block(x, bw, num_heads, causal):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = bw
    x = x + _mha(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + _gelu(_layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def _forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[i], num_heads, True)
    return _layer_norm(x) @ w_emb.T


def _top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), dim=-1)


def _sample(probs, generator):
    cdf = torch.cumsum(probs, dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    idx = (cdf <= u).sum(dim=-1)
    return idx.clamp(max=probs.shape[1] - 1).to(torch.int64)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.zeros(N, T0 + max_new_tokens)
    out[:, :T0] = prompt_ids
    ids = prompt_ids
    finished = torch.zeros(N, dtype=torch.bool, device=ids.device)
    for _ in range(max_new_tokens):
        logits = _forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            if top_k is None:
                probs = torch.softmax(logits / temperature, dim=-1)
            else:
                probs = _top_k_probs(logits, temperature, top_k)
            nxt = _sample(probs, generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        out[:, ids.shape[1] - 1] = nxt
    return out
