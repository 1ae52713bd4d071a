"""
MISTAKE: Builds the causal mask with `torch.triu(..., diagonal=2)`, so position t can also attend to position t+1 (the next token leaks).
EXPECTED DIAGNOSIS: Causal mask off by one: query i sees key i+1; hide every j > i (`triu(diagonal=1)` or `~tril()`).
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).permute(0, 2, 1, 3)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = torch.einsum("nhid,nhjd->nhij", q, k) / math.sqrt(dh)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=2)
        scores = scores.masked_fill(future, float("-inf"))
    w = torch.softmax(scores, dim=-1)
    out = torch.einsum("nhij,nhjd->nhid", w, v)
    return out.permute(0, 2, 1, 3).reshape(N, T, d) @ w_o
