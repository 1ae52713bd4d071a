"""
MISTAKE: Computes `h = layer_norm(x)` once and feeds the same h to the MLP branch instead of a fresh layer norm of x after the attention update.
EXPECTED DIAGNOSIS: The MLP branch reads the first layer norm: take `layer_norm(x)` again after `x = x + MHA(...)`.
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
    h = layer_norm(x)  # compute once, reuse
    x = x + multi_head_attention(h, w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(h @ w_mlp1) @ w_mlp2
    return x
