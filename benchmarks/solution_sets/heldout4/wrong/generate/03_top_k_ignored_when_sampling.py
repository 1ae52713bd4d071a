"""
MISTAKE: When temperature > 0 it always samples from the plain softmax(logits / temperature) and never applies top_k, so tokens outside the top k can be drawn.
EXPECTED DIAGNOSIS: With temperature > 0 and top_k given, the probabilities must be top_k_probs(logits, temperature, top_k): your draws include tokens outside the top k.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    c = x - m
    return c / torch.sqrt((c * c).mean(dim=-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = input_ids.shape
    d = w_emb.shape[-1]
    dh = d // num_heads
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i]
        h = layer_norm(x)
        Q, K, V = h @ w_q, h @ w_k, h @ w_v
        heads = []
        for hh in range(num_heads):
            c = slice(hh * dh, (hh + 1) * dh)
            s = Q[..., c] @ K[..., c].transpose(1, 2) / math.sqrt(dh)
            s = s + torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
            heads.append(torch.softmax(s, dim=-1) @ V[..., c])
        x = x + torch.cat(heads, -1) @ w_o
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.T


def sample(probs, generator):
    N, V = probs.shape
    cdf = probs.cumsum(-1)
    u = torch.rand(N, 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=V - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0.0:
            next_ids = logits.argmax(-1)
        else:
            next_ids = sample(torch.softmax(logits / temperature, dim=-1), generator)
        next_ids = torch.where(finished, end_token_id, next_ids)
        finished |= next_ids == end_token_id
        ids = torch.cat([ids, next_ids[:, None]], dim=1)
    return ids
