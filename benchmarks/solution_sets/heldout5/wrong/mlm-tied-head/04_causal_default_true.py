"""
MISTAKE: The attention helper was copied from causal (GPT-style) code with `causal=True` as its default, and the masked model calls it without the flag, so every block applies a causal mask although the MLM must be bidirectional.
EXPECTED DIAGNOSIS: A causal mask in a bidirectional model: masked-LM attention has no mask, every position sees later positions too; pass `causal=False` (T = 1 still passes).
"""

import math

import torch


def _ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c * torch.rsqrt(c.pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _self_attention(h, w_q, w_k, w_v, w_o, n_head, causal=True):
    B, T, C = h.shape
    hs = C // n_head
    q = (h @ w_q).view(B, T, n_head, hs).transpose(1, 2)
    k = (h @ w_k).view(B, T, n_head, hs).transpose(1, 2)
    v = (h @ w_v).view(B, T, n_head, hs).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
    if causal:
        bias = torch.tril(torch.ones(T, T, device=h.device)).view(1, 1, T, T)
        att = att.masked_fill(bias == 0, float('-inf'))
    att = torch.softmax(att, dim=-1)
    y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
    return y @ w_o


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    B, T = input_ids.shape
    tok = w_emb[input_ids]
    pos = pos_embed[:T]
    x = tok + pos
    for layer in range(blocks_weights.shape[0]):
        w = blocks_weights[layer]
        x = x + _self_attention(_ln(x), w[0], w[1], w[2], w[3], num_heads)
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return torch.nn.functional.linear(x[mask_indicator > 0.5], w_emb)
