"""CORRECT: computes in float64 on upcast copies with an additive mask (0 on and below the diagonal, -inf above, added to
the scores before the softmax), the standard blocks, ln_f and the tied head; casts the logits back to w_emb.dtype.
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


def attend(h, w, num_heads, bias):
    N, T, d = h.shape
    dh = d // num_heads
    q, k, v = [(h @ w[j]).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3) for j in range(3)]
    a = torch.softmax(q @ k.permute(0, 1, 3, 2) * dh ** -0.5 + bias, dim=-1)
    return (a @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ w[3]


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    emb = w_emb.double()
    x = emb[input_ids] + pos_embed.double()[:T]
    bias = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for w in blocks_weights.double():
        x = x + attend(layer_norm(x), w, num_heads, bias)
        x = x + gelu(layer_norm(x) @ w[4]) @ w[5]
    return (layer_norm(x) @ emb.T).to(w_emb.dtype)
