"""
MISTAKE: The layer norm is computed once (`h = layer_norm(x)`) and reused for the MLP branch, so the MLP reads the normalised block input instead of a fresh layer norm of x after the attention update.
EXPECTED DIAGNOSIS: The MLP branch reads the first layer norm: take a fresh `layer_norm(x)` of the updated residual stream (after `x = x + attention(...)`) before `@ w_mlp1`.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool, device=x.device).tril(), float('-inf'))
    o = torch.softmax(s, -1) @ v
    return o.transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    h = layer_norm(x)
    x = x + multi_head_attention(h, w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(h @ w_mlp1) @ w_mlp2
    return x
