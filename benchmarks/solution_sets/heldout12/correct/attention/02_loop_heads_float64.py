"""CORRECT attention: loops over the heads with column slices h*dh:(h+1)*dh, computes in float64 with a
max-subtracted manual softmax, masks with tril/masked_fill(-inf) for causal, concatenates heads in order,
applies w_o and casts back to x's dtype.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    out_dtype = x.dtype
    x, w_q, w_k, w_v, w_o = (t.to(torch.float64) for t in (x, w_q, w_k, w_v, w_o))
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    heads = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        s = q[:, :, cols] @ k[:, :, cols].transpose(1, 2) / math.sqrt(dh)
        if causal:
            s = s.masked_fill(~allowed, float("-inf"))
        s = s - s.max(dim=-1, keepdim=True).values
        e = s.exp()
        heads.append((e / e.sum(dim=-1, keepdim=True)) @ v[:, :, cols])
    return (torch.cat(heads, dim=-1) @ w_o).to(out_dtype)
