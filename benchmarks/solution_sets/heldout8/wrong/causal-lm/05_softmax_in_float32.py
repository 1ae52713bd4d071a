"""
MISTAKE: Computes the attention softmax in float32 ('for stability') and casts back, so float64 models lose precision (errors ~1e-7, above the float64 tolerance).
EXPECTED DIAGNOSIS: Float64 precision is lost: the softmax is done in float32 and cast back; keep the model's dtype throughout.
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
    a = torch.softmax(s.float(), dim=-1).to(s.dtype)
    o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
    return o @ wo


def _run_blocks(x, blocks_weights, H, causal):
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i].unbind(0)
        x = x + _attention(_ln(x), wq, wk, wv, wo, H, causal)
        x = x + _gelu(_ln(x) @ w1) @ w2
    return x


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    positions = torch.arange(T, device=input_ids.device)
    x = w_emb[input_ids] + pos_embed[positions][None, :, :]
    x = _run_blocks(x, blocks_weights, num_heads, causal=True)
    x = _ln(x)                                            # final layer norm
    return torch.einsum("ntd,vd->ntv", x, w_emb)          # tied head
