"""
MISTAKE: When top_k is given it calls `top_k_probs(logits, 1.0, top_k)`, dropping the temperature on that path (it is only used when top_k is None).
EXPECTED DIAGNOSIS: With top_k the probabilities must be top_k_probs(logits, temperature, top_k); the temperature is ignored, so the first-token frequencies do not match.
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
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o

def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = pre_ln_block(x, bw, num_heads, causal=True)
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    s = logits / temperature
    kth = s.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(s.masked_fill(s < kth, float("-inf")), dim=-1)


def sample(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    ids = prompt_ids.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            if top_k is not None:
                probs = top_k_probs(logits, 1.0, top_k)   # top-k already sharpens
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
            nxt = sample(probs, generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
