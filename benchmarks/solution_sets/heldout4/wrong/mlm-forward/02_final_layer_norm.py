"""
MISTAKE: Applies a final layer norm to the last block's output before the head (GPT-2's ln_f), which this masked LM does not have.
EXPECTED DIAGNOSIS: There is no final layer norm in this model: the last block's output goes straight to w_head.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) * torch.rsqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(1.5957691216057308 * (x + 0.044715 * x ** 3))


def _mha(x, wq, wk, wv, wo, nh):
    N, T, d = x.shape
    e = d // nh
    q = torch.einsum("ntd,df->ntf", x, wq).view(N, T, nh, e)
    k = torch.einsum("ntd,df->ntf", x, wk).view(N, T, nh, e)
    v = torch.einsum("ntd,df->ntf", x, wv).view(N, T, nh, e)
    a = torch.einsum("nqhe,nkhe->nhqk", q, k).div(math.sqrt(e)).softmax(-1)
    return torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d) @ wo


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    h = w_emb[input_ids] + pos_embed[:T].unsqueeze(0)
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i]
        h = h + _mha(_ln(h), wq, wk, wv, wo, num_heads)
        h = h + _gelu(_ln(h) @ w1) @ w2
    h = _ln(h)
    sel = mask_indicator > 0.5
    return h[sel] @ w_head
