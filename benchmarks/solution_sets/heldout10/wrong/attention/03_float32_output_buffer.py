"""WRONG: collects the heads into a buffer created with torch.zeros(N, T, d) (default float32) and
fills it head by head. Mistake: for float64 inputs the head outputs are rounded to float32 when stored
and the result comes back float32 (dtype not kept); a good grader should say a float64 input returns
float32 because the output buffer was allocated without dtype=x.dtype."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    concat = torch.zeros(N, T, d)
    for h in range(num_heads):
        sl = slice(h * dh, (h + 1) * dh)
        scores = q[:, :, sl] @ k[:, :, sl].transpose(1, 2) / math.sqrt(dh)
        if causal:
            scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        concat[:, :, sl] = torch.softmax(scores, dim=-1) @ v[:, :, sl]
    return concat @ w_o.to(concat.dtype)
