"""MISTAKE: adds the attention update to the layer-normed stream (`h = LN(x); x = h + MHA(h)`)
    instead of to the raw x, so the residual stream is replaced by its normalisation; shows
    whenever x is not already mean 0 / variance 1 per row (e.g. x * 5 + 2).

EXPECTED DIAGNOSIS: In pre-LN the layer norm only feeds the branch; the residual adds to the
    un-normalised x: `x = x + MHA(LN(x))`.
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
    h = _layer_norm(x)
    x = h + _mha(h, w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + _gelu(_layer_norm(x) @ w_mlp1) @ w_mlp2
    return x
