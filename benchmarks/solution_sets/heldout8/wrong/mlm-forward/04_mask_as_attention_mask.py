"""
MISTAKE: Treats mask_indicator like BERT's attention_mask: keys at masked positions are hidden (-inf) from the attention, although the model is meant to attend to every position (and with every position masked the softmax is all -inf, giving NaN).
EXPECTED DIAGNOSIS: mask_indicator only selects the output rows; it must not be applied as an attention (key-padding) mask.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False, key_mask=None):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)          # (N, H, T, T)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    if key_mask is not None:
        # masked tokens carry no information: do not attend to them
        scores = scores.masked_fill(key_mask[:, None, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False, key_mask=None):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal, key_mask)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]             # token + position
    for block_weights in blocks_weights:             # bidirectional blocks
        x = pre_ln_block(x, block_weights, num_heads, causal=False, key_mask=mask_indicator > 0.5)
    masked = x[mask_indicator > 0.5]                 # (M, d), row-major
    return masked @ w_head
