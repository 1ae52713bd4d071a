"""
MISTAKE: Omits the final layer norm (ln_f): the last block's output goes straight to the tied head x @ w_emb.T.
EXPECTED DIAGNOSIS: Missing ln_f: GPT-2 layer-normalises the residual stream once after the last block, before the tied head.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    s = s.masked_fill(~allowed, float("-inf"))
    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 in blocks_weights:
        x = x + causal_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x @ w_emb.T
