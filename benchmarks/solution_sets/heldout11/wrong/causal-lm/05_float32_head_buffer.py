"""WRONG: merges the heads into a preallocated torch.zeros(N, T, d) buffer (default float32); float32 cases are right but
float64 weights crash at the @ w_o matmul (float32 @ float64). A good grader should say the float64 case fails because an
intermediate buffer is created as float32.
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
    merged = torch.zeros(N, T, d)
    for hh in range(num_heads):
        merged[:, :, hh * dh:(hh + 1) * dh] = heads[:, hh]
    return merged @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    hide = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for w in blocks_weights:
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = w
        x = x + causal_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, hide)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    x = layer_norm(x)
    return x @ w_emb.T
