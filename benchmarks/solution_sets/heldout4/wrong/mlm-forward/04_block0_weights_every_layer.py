"""
MISTAKE: The block loop runs num_blocks times but always unpacks blocks_weights[0], so every layer reuses the first block's weights.
EXPECTED DIAGNOSIS: Block i must use blocks_weights[i]; your loop applies the first block's weights num_blocks times (right only with a single block).
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x * x * x)))


def self_attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    Q, K, V = x @ w_q, x @ w_k, x @ w_v
    outs = []
    for h in range(num_heads):
        c = slice(h * dh, (h + 1) * dh)
        s = Q[:, :, c] @ K[:, :, c].transpose(1, 2) / math.sqrt(dh)
        outs.append(torch.softmax(s, dim=-1) @ V[:, :, c])
    return torch.cat(outs, dim=-1) @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    num_blocks = blocks_weights.shape[0]
    for layer in range(num_blocks):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[0]
        x = x + self_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x[mask_indicator > 0.5] @ w_head
