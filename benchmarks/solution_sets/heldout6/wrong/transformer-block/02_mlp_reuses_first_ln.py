"""
MISTAKE: Computes h = layer_norm(x) once and feeds the same h to both the attention and the MLP branch, instead of taking a fresh layer norm of x after the attention update for the MLP.
EXPECTED DIAGNOSIS: The MLP reads the first layer norm: the MLP branch must use LN of the updated residual stream (x after the attention add), not the normalised block input.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(dh)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        scores = scores.masked_fill(mask, float("-inf"))
    out = torch.softmax(scores, -1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    h = layer_norm(x)
    x = x + multi_head_attention(h, w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(h @ w_mlp1) @ w_mlp2
    return x
