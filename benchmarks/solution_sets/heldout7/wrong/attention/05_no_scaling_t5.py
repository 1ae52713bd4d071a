"""
MISTAKE: Follows T5's convention and omits the 1/sqrt(d_head) scaling of the scores entirely.
EXPECTED DIAGNOSIS: Scores are not scaled: divide q k^T by sqrt(d_head) before the softmax (T5 folds the scale into its init; this contract does not).
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    # T5-style attention: the scaling is folded into the weight initialisation
    N, T, d = x.shape
    dh = d // num_heads

    def heads(t):
        return t.view(N, T, num_heads, dh).transpose(1, 2)

    q, k, v = heads(x @ w_q), heads(x @ w_k), heads(x @ w_v)
    scores = q @ k.transpose(-2, -1)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~keep, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o
