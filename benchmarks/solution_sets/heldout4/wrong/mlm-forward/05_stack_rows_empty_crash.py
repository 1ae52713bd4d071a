"""
MISTAKE: Collects the masked rows in a Python loop and calls torch.stack on the list, which raises an error when nothing is masked instead of returning an empty (0, V) tensor.
EXPECTED DIAGNOSIS: When no position is masked the result must be an empty (0, V) tensor; torch.stack([]) fails -- use boolean indexing x[mask_indicator > 0.5], which handles M = 0.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def mha(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
    return (a @ v).transpose(1, 2).contiguous().view(N, T, d) @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = x + mha(layer_norm(x), bw[0], bw[1], bw[2], bw[3], num_heads)
        x = x + gelu(layer_norm(x) @ bw[4]) @ bw[5]
    rows = []
    for n in range(N):
        for t in range(T):
            if mask_indicator[n, t] > 0.5:
                rows.append(x[n, t])
    h = torch.stack(rows)
    return h @ w_head
