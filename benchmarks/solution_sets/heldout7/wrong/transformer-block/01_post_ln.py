"""
MISTAKE: Implements the original 2017 post-LN layout `x = LN(x + MHA(x))`, `x = LN(x + FFN(x))` instead of pre-LN.
EXPECTED DIAGNOSIS: Post-LN instead of pre-LN: the layer norm must sit inside each branch (`x + MHA(LN(x))`), and the residual stream is never normalised.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    # "Attention is all you need": Add & Norm after each sublayer
    x = layer_norm(x + multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal))
    x = layer_norm(x + gelu(x @ w_mlp1) @ w_mlp2)
    return x
