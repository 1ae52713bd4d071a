"""
MISTAKE: The block accepts `causal` but calls its attention helper without forwarding it, so the attention is always bidirectional even when causal=True.
EXPECTED DIAGNOSIS: The causal flag is not passed on to the attention: with causal=True, position t must only attend to positions <= t.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    v = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - m) / (v + eps).sqrt()


def gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    heads = []
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    for i in range(num_heads):
        sl = slice(i * dh, (i + 1) * dh)
        s = q_all[..., sl] @ k_all[..., sl].transpose(1, 2) / math.sqrt(dh)
        if causal:
            s = s + torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
        heads.append(torch.softmax(s, dim=-1) @ v_all[..., sl])
    return torch.cat(heads, dim=-1) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = (block_weights[i] for i in range(6))
    a = attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
    x = x + a
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x
