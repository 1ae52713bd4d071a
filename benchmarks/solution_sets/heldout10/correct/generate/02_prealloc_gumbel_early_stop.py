"""CORRECT: preallocates the (N, T0 + max_new_tokens) int64 output (filled with end_token_id), decodes
into it column by column, and stops early once every row has ended (the remaining columns are already
end tokens). Sampling uses the exponential race / Gumbel-max trick on the (top-k masked) scaled
logits: argmax(log p - log E) with E = -log(U), U from torch.rand(..., generator=generator); greedy
when temperature == 0.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, d_head).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, d_head).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for block_weights in blocks_weights:
        x = pre_ln_block(x, block_weights, num_heads, causal=True)
    return layer_norm(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.full((N, T0 + max_new_tokens), end_token_id, dtype=torch.long)
    out[:, :T0] = prompt_ids
    done = torch.zeros(N, dtype=torch.bool)
    for step in range(max_new_tokens):
        if bool(done.all()):
            break                                   # the rest of `out` already holds end tokens
        t = T0 + step
        logits = causal_lm_forward(out[:, :t], w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            scaled = (logits / temperature).to(torch.float64)
            if top_k is not None:
                kth = scaled.topk(top_k, dim=-1).values[:, -1:]
                scaled = scaled.masked_fill(scaled < kth, float("-inf"))
            logp = torch.log_softmax(scaled, dim=-1)
            u = torch.rand(scaled.shape, generator=generator, dtype=torch.float64)
            nxt = (logp - torch.log(-torch.log(u))).argmax(dim=-1)
        nxt[done] = end_token_id
        done |= nxt == end_token_id
        out[:, t] = nxt
    return out
