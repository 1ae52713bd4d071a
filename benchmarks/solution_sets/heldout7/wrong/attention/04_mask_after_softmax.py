"""
MISTAKE: Applies the causal mask after the softmax by multiplying the weights with a lower-triangular 0/1 matrix, without renormalising, so causal rows no longer sum to 1.
EXPECTED DIAGNOSIS: Mask applied after the softmax: future weights are zeroed but the rest are not renormalised; set future scores to -inf before the softmax.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    probs = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
    if causal:
        probs = probs * torch.tril(torch.ones(T, T, dtype=x.dtype))
    out = probs @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o
