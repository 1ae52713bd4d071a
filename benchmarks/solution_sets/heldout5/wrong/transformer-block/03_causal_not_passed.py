"""
MISTAKE: The attention helper is called without forwarding the `causal` flag (it falls back to its default False), so causal blocks attend to the future.
EXPECTED DIAGNOSIS: The causal flag is not passed on to the attention: call it with `causal=causal`; the bidirectional cases pass, every causal case with T > 1 leaks the future.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / (var + eps).sqrt()


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    att = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), 1), float('-inf'))
    y = att.softmax(-1) @ v
    return y.transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    attn_out = multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
    x = x + attn_out
    mlp_out = gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x + mlp_out
