"""
MISTAKE: The token embeddings are multiplied by sqrt(d_model) on the way in (the "Attention Is All You Need" convention for tied embeddings), which this model does not do.
EXPECTED DIAGNOSIS: Embeddings scaled by sqrt(d): the input is `w_emb[input_ids] + pos_embed[:T]` with w_emb used exactly as given at both ends; remove the `* sqrt(d)`.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(1.5957691216057308 * (x + 0.044715 * x ** 3))


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    H, dh = num_heads, d // num_heads
    # tied embeddings are scaled by sqrt(d_model) so they are not swamped by the positions
    x = w_emb[input_ids] * math.sqrt(d) + pos_embed[:T]
    for blk in blocks_weights:
        h = _layer_norm(x)
        q = (h @ blk[0]).view(N, T, H, dh).transpose(1, 2)
        k = (h @ blk[1]).view(N, T, H, dh).transpose(1, 2)
        v = (h @ blk[2]).view(N, T, H, dh).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        x = x + (att @ v).transpose(1, 2).reshape(N, T, d) @ blk[3]
        x = x + _gelu(_layer_norm(x) @ blk[4]) @ blk[5]
    h = x[mask_indicator > 0.5]
    return h @ w_emb.t()
