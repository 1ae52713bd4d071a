"""
MISTAKE: Inside each block the two sub-layers run in the wrong order: the MLP residual update comes first and the attention update second.
EXPECTED DIAGNOSIS: Block sub-layers swapped: a pre-LN block does attention first (`x = x + MHA(LN(x))`) and then the MLP (`x = x + GELU(LN(x) @ w_mlp1) @ w_mlp2`).
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    sigma2 = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(sigma2 + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))


def attention(h, wq, wk, wv, wo, H):
    N, T, d = h.shape
    dh = d // H
    q = (h @ wq).reshape(N, T, H, dh).permute(0, 2, 1, 3)
    k = (h @ wk).reshape(N, T, H, dh).permute(0, 2, 3, 1)      # already transposed: (N, H, dh, T)
    v = (h @ wv).reshape(N, T, H, dh).permute(0, 2, 1, 3)
    a = torch.softmax(torch.matmul(q, k) / math.sqrt(dh), dim=-1)
    return torch.matmul(a, v).permute(0, 2, 1, 3).reshape(N, T, d) @ wo


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    T = input_ids.size(1)
    x = torch.nn.functional.embedding(input_ids, w_emb) + pos_embed[:T]
    for wq, wk, wv, wo, w1, w2 in blocks_weights:
        x = x + gelu(layer_norm(x) @ w1) @ w2
        x = x + attention(layer_norm(x), wq, wk, wv, wo, num_heads)
    return x[mask_indicator > 0.5] @ w_head
