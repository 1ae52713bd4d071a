"""
MISTAKE: The ln_f line is indented into the block loop, so the residual stream is layer-normed after every block (and never when num_blocks = 0) instead of once after the last block.
EXPECTED DIAGNOSIS: Final layer norm in the wrong place: apply ln_f exactly once, after the loop; normalising after each block changes every model with two or more blocks, and the no-block model gets none.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    c = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, c).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, c).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, c).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(c)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = pre_ln_block(x, bw, num_heads, causal=True)
        x = layer_norm(x)  # ln_f
    return x @ w_emb.T
