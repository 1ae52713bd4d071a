"""CORRECT: the standard pieces (two-pass layer norm, tanh GELU, view/transpose multi-head attention) run in float64
on upcast copies of x and the weights; the result is cast back to x.dtype. Inputs are not modified.
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

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads

    def split(t):
        return t.view(N, T, num_heads, dh).transpose(1, 2)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        hide = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(hide, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    dt = x.dtype
    h = x.double()
    w = block_weights.double()
    h = h + multi_head_attention(layer_norm(h), w[0], w[1], w[2], w[3], num_heads, causal)
    h = h + gelu(layer_norm(h) @ w[4]) @ w[5]
    return h.to(dt)
