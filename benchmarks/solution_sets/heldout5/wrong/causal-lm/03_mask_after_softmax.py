"""
MISTAKE: The causal mask is applied after the softmax (`weights = softmax(scores) * tril`), so the future gets weight 0 but the remaining weights no longer sum to 1 (the softmax denominator still includes the future keys).
EXPECTED DIAGNOSIS: Mask applied after the softmax: set the hidden scores to -inf before the softmax (or renormalise); as written each row's weights sum to less than 1 and still depend on future tokens through the denominator.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
    if causal:
        weights = weights * torch.tril(torch.ones(T, T, dtype=x.dtype, device=x.device))
    return (weights @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal=True)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return layer_norm(x) @ w_emb.T
