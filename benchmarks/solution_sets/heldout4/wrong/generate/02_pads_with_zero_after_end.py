"""
MISTAKE: After a row emits end_token_id, its later tokens are filled with 0 (a "pad" id) instead of end_token_id.
EXPECTED DIAGNOSIS: Once a row has emitted the end token, every later token of that row must be end_token_id, not a padding id such as 0.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = input_ids.shape
    d = w_emb.shape[1]
    e = d // num_heads
    x = w_emb[input_ids] + pos_embed[:T]
    future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for W in blocks_weights:
        h = layer_norm(x)
        q = torch.einsum("ntd,df->ntf", h, W[0]).view(N, T, num_heads, e)
        k = torch.einsum("ntd,df->ntf", h, W[1]).view(N, T, num_heads, e)
        v = torch.einsum("ntd,df->ntf", h, W[2]).view(N, T, num_heads, e)
        s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e)
        a = torch.softmax(s.masked_fill(future, float("-inf")), dim=-1)
        x = x + torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d) @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    vals, idx = (logits / temperature).topk(k, dim=-1)
    return torch.zeros_like(logits).scatter(-1, idx, torch.softmax(vals, dim=-1))


def sample(probs, generator):
    E = torch.empty_like(probs, dtype=torch.float64).exponential_(generator=generator)
    return (probs.double() / E).argmax(dim=-1)


PAD_ID = 0


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N = prompt_ids.shape[0]
    ids = prompt_ids
    done = torch.zeros(N, dtype=torch.bool)
    for step in range(max_new_tokens):
        last = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1, :]
        if temperature > 0:
            if top_k is None:
                probs = torch.softmax(last / temperature, dim=-1)
            else:
                probs = top_k_probs(last, temperature, top_k)
            new = sample(probs, generator)
        else:
            new = torch.argmax(last, dim=-1)
        new = new.masked_fill(done, PAD_ID)
        done = done | (new == end_token_id)
        ids = torch.cat((ids, new.unsqueeze(1)), dim=1)
    return ids
