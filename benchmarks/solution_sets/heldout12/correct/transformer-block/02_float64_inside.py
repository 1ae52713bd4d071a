"""CORRECT transformer-block: computes the whole block in float64 (layer norm, tanh GELU, multi-head
attention with per-head loop), then casts the result back to x's dtype; inputs are not modified.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _attention(x, w_q, w_k, w_v, w_o, num_heads, causal):
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    outs = []
    for h in range(num_heads):
        c = slice(h * dh, (h + 1) * dh)
        s = q[..., c] @ k[..., c].transpose(-1, -2) / math.sqrt(dh)
        if causal:
            s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        outs.append(torch.softmax(s, dim=-1) @ v[..., c])
    return torch.cat(outs, dim=-1) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    dt = x.dtype
    h = x.double()
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights.double()
    h = h + _attention(layer_norm(h), w_q, w_k, w_v, w_o, num_heads, causal)
    h = h + gelu(layer_norm(h) @ w_mlp1) @ w_mlp2
    return h.to(dt)
