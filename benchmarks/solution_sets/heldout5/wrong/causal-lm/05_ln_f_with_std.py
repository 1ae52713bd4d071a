"""
MISTAKE: The blocks' layer norm is right, but the final ln_f is written inline as `(x - x.mean(-1)) / x.std(-1)`, i.e. with the unbiased (d - 1) standard deviation and no eps.
EXPECTED DIAGNOSIS: The final layer norm (ln_f) uses torch.std (unbiased, divides by d - 1) and drops eps: use the same population-variance layer norm `(x - mean) / sqrt(var + 1e-5)` as in the blocks.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _mha(x, W, H):
    N, T, d = x.shape
    hd = d // H
    q = (x @ W[0]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
    k = (x @ W[1]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
    v = (x @ W[2]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
    keep = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    scores = torch.where(keep, scores, torch.full_like(scores, float('-inf')))
    out = torch.matmul(torch.softmax(scores, -1), v)
    return out.permute(0, 2, 1, 3).reshape(N, T, d) @ W[3]


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    T = input_ids.shape[-1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = x + _mha(_layer_norm(x), W, num_heads)
        x = x + _gelu(_layer_norm(x) @ W[4]) @ W[5]
    # ln_f
    x = (x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True)
    return x @ w_emb.T
