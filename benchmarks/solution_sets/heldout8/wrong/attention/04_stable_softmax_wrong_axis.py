"""
MISTAKE: In the hand-written stable softmax, subtracts the max over the query axis (amax(dim=-2)) but normalises over the keys (dim=-1); the subtracted constant differs per key within a row, so the weights are wrong.
EXPECTED DIAGNOSIS: Softmax stabilisation is wrong: the max subtracted must be each row's max over the keys (dim=-1), otherwise the shift is not a constant per row and changes the result.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    H = num_heads
    dh = d // H
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, H, dh)

    scores = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh)
    if causal:
        allowed = torch.tril(torch.ones(T, T, device=x.device)).bool()
        scores = scores.masked_fill(~allowed, float("-inf"))
    # numerically stable softmax over the keys, by hand
    scores = scores - scores.amax(dim=-2, keepdim=True)
    e = torch.exp(scores)
    attn = e / e.sum(dim=-1, keepdim=True)
    heads = torch.einsum("nhij,njhe->nihe", attn, v)          # (N, T, H, dh)
    concat = heads.reshape(N, T, d)
    return torch.einsum("ntd,de->nte", concat, w_o)
