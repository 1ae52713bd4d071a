"""MISTAKE: the MLP applies GELU before the first projection (`GELU(LN(x)) @ w_mlp1 @ w_mlp2`)
    instead of between the two matmuls; wrong on every input.

EXPECTED DIAGNOSIS: The non-linearity sits between the two projections: `GELU(LN(x) @ w_mlp1)
    @ w_mlp2`.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)


def _gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _mha(x, w_q, w_k, w_v, w_o, num_heads, causal):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + _mha(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + _gelu(_layer_norm(x)) @ w_mlp1 @ w_mlp2
    return x
