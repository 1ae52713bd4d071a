"""
MISTAKE: Adds the position embeddings after the blocks (just before the head) instead of to the token embeddings before the first block.
EXPECTED DIAGNOSIS: Positions must be added once, before any block: x = w_emb[input_ids] + pos_embed[:T]; added after the blocks the attention never sees position information.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    v = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - m) / torch.sqrt(v + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def mha(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    hd = d // num_heads
    Q, K, Vv = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for i in range(num_heads):
        c = slice(i * hd, (i + 1) * hd)
        w = torch.softmax(Q[..., c] @ K[..., c].transpose(-1, -2) / math.sqrt(hd), dim=-1)
        heads.append(w @ Vv[..., c])
    return torch.cat(heads, dim=-1) @ w_o


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids]
    for i in range(len(blocks_weights)):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        x = x + mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    x = x + pos_embed[:T]
    return x[mask_indicator > 0.5] @ w_emb.T
