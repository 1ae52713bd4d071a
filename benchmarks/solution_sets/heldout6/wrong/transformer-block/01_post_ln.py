"""
MISTAKE: Implements the original post-LN layout, x = LN(x + MHA(x)) then x = LN(x + FFN(x)), instead of pre-LN where the layer norm sits inside each branch and the residual stream is never normalised.
EXPECTED DIAGNOSIS: Post-LN instead of pre-LN: use x = x + MHA(LN(x)) and x = x + FFN(LN(x)); the output must not be layer-normed.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    o = torch.softmax(s, dim=-1) @ v
    return o.transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = layer_norm(x + multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal))
    x = layer_norm(x + gelu(x @ w_mlp1) @ w_mlp2)
    return x
