"""
MISTAKE: Overwrites the residual stream with its layer norm (x = layer_norm(x)) before the attention branch, so the first residual adds MHA to the normalised input instead of the original x.
EXPECTED DIAGNOSIS: The residual must carry the original x: keep h = LN(x) in a separate variable and do x = x + MHA(h); normalising x itself loses the residual stream's scale and offset.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    xc = x - mean
    return xc / torch.sqrt(xc.pow(2).mean(-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads

    def heads(t):
        return t.view(N, T, num_heads, dh).permute(0, 2, 1, 3)

    q, k, v = heads(x @ w_q), heads(x @ w_k), heads(x @ w_v)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~allowed, float("-inf"))
    out = torch.matmul(torch.softmax(scores, dim=-1), v)
    return out.permute(0, 2, 1, 3).reshape(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = layer_norm(x)
    x = x + multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x
