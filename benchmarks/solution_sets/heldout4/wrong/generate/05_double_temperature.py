"""
MISTAKE: Divides the logits by the temperature before calling the sampling distribution, and the distribution (top_k_probs, or the softmax branch) divides by it again, so the effective temperature is temperature**2.
EXPECTED DIAGNOSIS: Temperature applied twice: pass the raw logits to top_k_probs (which divides by temperature itself), and use softmax(logits / temperature) exactly once; your samples follow temperature^2.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = input_ids.shape
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[input_ids] + pos_embed[:T]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for blk in blocks_weights:
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blk
        h = layer_norm(x)
        q = (h @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
        k = (h @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
        v = (h @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
        s = s.masked_fill(~mask, float("-inf"))
        x = x + (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), dim=-1)


def sample(probs, generator):
    N, V = probs.shape
    cdf = probs.double().cumsum(dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=V - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            logits = logits / temperature
            if top_k is not None:
                probs = top_k_probs(logits, temperature, top_k)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
            nxt = sample(probs, generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
