"""
MISTAKE: Attention is computed position by position over the prefix `k[..., :max(t, 1), :]`; the `max(t, 1)` patch (added after position 0 gave NaN with `:t`) means every position t >= 1 attends to positions < t only and never to itself.
EXPECTED DIAGNOSIS: The causal window is off by one: position t must attend to keys 0..t inclusive (`:t + 1`); this hides the diagonal for every position after the first (only T = 1 agrees).
"""

import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    v = ((x - m) ** 2).mean(dim=-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _attn(h, W, H):
    N, T, d = h.shape
    dh = d // H
    q = (h @ W[0]).view(N, T, H, dh).transpose(1, 2)
    k = (h @ W[1]).view(N, T, H, dh).transpose(1, 2)
    v = (h @ W[2]).view(N, T, H, dh).transpose(1, 2)
    outs = []
    for t in range(T):
        end = max(t, 1)                                   # keys before t
        s = q[:, :, t:t + 1] @ k[:, :, :end].transpose(-1, -2) / math.sqrt(dh)
        outs.append(torch.softmax(s, dim=-1) @ v[:, :, :end])
    o = torch.cat(outs, dim=2)                            # (N, H, T, dh)
    return o.transpose(1, 2).reshape(N, T, d) @ W[3]


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = x + _attn(_ln(x), W, num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    x = _ln(x)
    return x @ w_emb.transpose(0, 1)
