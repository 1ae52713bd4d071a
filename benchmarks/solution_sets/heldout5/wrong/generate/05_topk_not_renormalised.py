"""
MISTAKE: For top-k sampling the full softmax of logits / temperature is zeroed outside the top k but not renormalised; the inverse-CDF draw then often falls past the kept mass and the index clamp sends it to the last vocabulary token, which is usually not among the top k.
EXPECTED DIAGNOSIS: Top-k probabilities not renormalised: the kept probabilities must sum to 1 (softmax over the kept logits, or divide by their sum); drawn tokens fall outside the top k and the first-token frequencies do not follow top_k_probs.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float('-inf'))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal=True)
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    probs = torch.softmax(logits / temperature, dim=-1)
    idx = probs.topk(k, dim=-1).indices
    keep = torch.zeros_like(probs).scatter(-1, idx, 1.0)
    return probs * keep


def sample(probs, generator):
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            next_ids = logits.argmax(dim=-1)
        elif top_k is None:
            next_ids = sample(torch.softmax(logits / temperature, dim=-1), generator)
        else:
            next_ids = sample(top_k_probs(logits, temperature, top_k), generator)
        next_ids = torch.where(finished, end_token_id, next_ids)
        finished |= next_ids == end_token_id
        ids = torch.cat([ids, next_ids[:, None]], dim=1)
    return ids
