"""
MISTAKE: Builds the allowed-region mask with torch.tril(ones, diagonal=1) (thinking diagonal=1 means "include the diagonal"), which also allows key j = i + 1, so every position sees the next token.
EXPECTED DIAGNOSIS: Causal mask off by one (leaks the next token): the allowed region is tril(diagonal=0); position t's logits change when token t+1 changes.
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
        allowed = torch.tril(torch.ones(T, T), diagonal=1).bool()   # include the diagonal
        s = s.masked_fill(~allowed, float("-inf"))
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
    return layer_norm(x) @ w_emb.T
