"""CORRECT: runs the model one sequence at a time (2-D tensors, no batch axis), loops over heads, collects masked rows in time order and concatenates (empty -> (0, V))."""

import math

import torch


def _ln(x):
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, unbiased=False, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def _one_sequence(x, blocks_weights, H):
    T, d = x.shape
    dh = d // H
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i]
        h = _ln(x)
        q, k, v = h @ w_q, h @ w_k, h @ w_v
        parts = []
        for j in range(H):
            c = slice(j * dh, (j + 1) * dh)
            a = torch.softmax(q[:, c] @ k[:, c].T / math.sqrt(dh), dim=1)
            parts.append(a @ v[:, c])
        x = x + torch.cat(parts, dim=1) @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return x


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions."""
    N, T = input_ids.shape
    picked = []
    for n in range(N):
        x = w_emb[input_ids[n]] + pos_embed[:T]
        x = _one_sequence(x, blocks_weights, num_heads)
        for t in range(T):
            if float(mask_indicator[n, t]) > 0.5:
                picked.append(x[t])
    if not picked:
        return w_head.new_zeros(0, w_head.shape[1])
    return torch.stack(picked) @ w_head
