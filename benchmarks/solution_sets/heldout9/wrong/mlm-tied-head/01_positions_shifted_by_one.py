"""MISTAKE: adds `pos_embed[1:T + 1]`, as if row 0 were reserved (a [CLS]-style offset), so
    position t gets row t+1; wrong for every case (and a shape error when max_len == T).

EXPECTED DIAGNOSIS: Position t uses row t: slice `pos_embed[:T]`.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)


def _gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def _mha(x, w_q, w_k, w_v, w_o, num_heads, causal):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def _block(x, bw, num_heads, causal):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = bw
    x = x + _mha(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + _gelu(_layer_norm(x) @ w_mlp1) @ w_mlp2
    return x


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions, head tied to w_emb."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[1:T + 1]
    for i in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[i], num_heads, False)
    h = x[mask_indicator > 0.5]
    return h @ w_emb.T
