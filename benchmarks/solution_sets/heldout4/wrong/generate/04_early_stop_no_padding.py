"""
MISTAKE: Breaks out of the loop as soon as every row has emitted the end token but returns ids as they are, so the output is shorter than T0 + max_new_tokens whenever all rows end early.
EXPECTED DIAGNOSIS: Stopping early is fine, but the result must still have max_new_tokens new tokens per row: pad the remaining columns with end_token_id before returning.
"""
import math

import torch


def _layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) * torch.rsqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x.pow(3))))


def _forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[ids] + pos_embed[:T]
    keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for W in blocks_weights:
        h = _layer_norm(x)
        q, k, v = [(h @ W[j]).view(N, T, num_heads, dh).permute(0, 2, 1, 3) for j in range(3)]
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
        s = s.masked_fill(~keep, float("-inf"))
        o = torch.matmul(torch.softmax(s, dim=-1), v).permute(0, 2, 1, 3).reshape(N, T, d)
        x = x + o @ W[3]
        x = x + _gelu(_layer_norm(x) @ W[4]) @ W[5]
    return _layer_norm(x) @ w_emb.T


def _top_k_probs(logits, temperature, k):
    s = logits / temperature
    thr = torch.topk(s, k, dim=-1).values[..., -1:]
    return torch.softmax(torch.where(s >= thr, s, torch.full_like(s, float("-inf"))), dim=-1)


def _sample(probs, generator):
    cdf = probs.to(torch.float64).cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return (cdf <= u).sum(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    ended = torch.zeros(ids.size(0), dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = _forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature > 0:
            probs = _top_k_probs(logits, temperature, top_k) if top_k else torch.softmax(logits / temperature, -1)
            tok = _sample(probs, generator)
        else:
            tok = logits.argmax(-1)
        tok[ended] = end_token_id
        ended = ended | (tok == end_token_id)
        ids = torch.cat([ids, tok.view(-1, 1)], dim=1)
        if bool(ended.all()):
            break   # every row is done, nothing left to generate
    return ids
