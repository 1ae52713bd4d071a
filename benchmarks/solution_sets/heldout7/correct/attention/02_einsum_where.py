"""
CORRECT: Single einsum pipeline with the (d)->(H, d_head) split done via `unflatten`, causal mask via `torch.where` before a max-subtracted softmax.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).unflatten(-1, (num_heads, dh))   # (N, T, H, dh)
    k = (x @ w_k).unflatten(-1, (num_heads, dh))
    v = (x @ w_v).unflatten(-1, (num_heads, dh))
    s = torch.einsum("nihc,njhc->nhij", q, k) * (1.0 / math.sqrt(dh))
    if causal:
        i = torch.arange(T).unsqueeze(1)
        j = torch.arange(T).unsqueeze(0)
        s = torch.where(j <= i, s, torch.tensor(float("-inf"), dtype=s.dtype))
    s = s - s.amax(dim=-1, keepdim=True)
    e = s.exp()
    a = e / e.sum(dim=-1, keepdim=True)
    o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
    return o @ w_o
