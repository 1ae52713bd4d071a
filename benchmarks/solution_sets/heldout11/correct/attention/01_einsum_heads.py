"""CORRECT: multi-head attention with einsum on (N, T, H, dh) tensors (no transposes), scale 1/sqrt(d_head),
causal mask built with torch.tril and torch.where(-inf) before the softmax.
"""

import math

import torch

def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, num_heads, dh)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, num_heads, dh)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, num_heads, dh)
    scores = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh)
    if causal:
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = torch.where(allowed, scores, torch.tensor(float("-inf"), dtype=scores.dtype))
    att = scores.softmax(dim=-1)
    ctx = torch.einsum("nhij,njhc->nihc", att, v).reshape(N, T, d)
    return ctx @ w_o
