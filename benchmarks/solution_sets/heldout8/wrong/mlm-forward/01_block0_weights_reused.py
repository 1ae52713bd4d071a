"""
MISTAKE: The block loop indexes blocks_weights[0] on every iteration, so with 2+ blocks the first block's weights are applied repeatedly and the later blocks' weights are never used.
EXPECTED DIAGNOSIS: Every block uses block 0's weights: the loop must use blocks_weights[i] for block i.
"""

import math

import torch

EPS = 1e-5
GELU_C = math.sqrt(2.0 / math.pi)


def _ln(t):
    mu = t.mean(-1, keepdim=True)
    var = t.var(-1, unbiased=False, keepdim=True)
    return (t - mu) * torch.rsqrt(var + EPS)


def _gelu(t):
    return 0.5 * t * (1 + torch.tanh(GELU_C * (t + 0.044715 * t * t * t)))


def _attention(h, wq, wk, wv, wo, H, causal):
    N, T, d = h.shape
    dh = d // H
    q = torch.einsum("ntd,de->nte", h, wq).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, wk).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, wv).reshape(N, T, H, dh)
    s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool, device=h.device))
        s = s.masked_fill(~keep, float("-inf"))
    a = torch.softmax(s, dim=-1)
    o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
    return o @ wo


def _run_blocks(x, blocks_weights, H, causal):
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[0].unbind(0)
        x = x + _attention(_ln(x), wq, wk, wv, wo, H, causal)
        x = x + _gelu(_ln(x) @ w1) @ w2
    return x


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    tok = w_emb.index_select(0, input_ids.reshape(-1)).view(N, T, -1)
    x = tok + pos_embed[:T].unsqueeze(0)
    x = _run_blocks(x, blocks_weights, num_heads, causal=False)
    flat = x.reshape(N * T, -1)
    rows = torch.nonzero(mask_indicator.reshape(-1) > 0.5).squeeze(1)   # row-major order
    return torch.einsum("md,dv->mv", flat[rows], w_head)
