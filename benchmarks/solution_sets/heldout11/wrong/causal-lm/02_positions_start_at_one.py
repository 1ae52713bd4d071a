"""WRONG: uses pos_embed[1:T + 1] (1-based positions) instead of pos_embed[:T]: every position reads the next row
(and it crashes when max_len == T). A good grader should say position embeddings are shifted by one row.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def causal_attention(h, w_q, w_k, w_v, w_o, num_heads, hide):
    N, T, d = h.shape
    dh = d // num_heads
    q = (h @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (h @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (h @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    scores = scores.masked_fill(hide, float("-inf"))
    heads = torch.softmax(scores, dim=-1) @ v
    merged = heads.transpose(1, 2).reshape(N, T, d)
    return merged @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[1:T + 1]
    hide = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for w in blocks_weights:
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = w
        x = x + causal_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, hide)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    x = layer_norm(x)
    return x @ w_emb.T
