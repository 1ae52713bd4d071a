"""MISTAKE: multiplies the token embeddings by sqrt(d) before adding the positions (the
    'Attention is all you need' convention), which GPT-2 does not do; wrong on every case.

EXPECTED DIAGNOSIS: GPT-2 adds the raw token embedding to the position embedding; drop the
    sqrt(d) factor.
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


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] * math.sqrt(w_emb.shape[1]) + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[i], num_heads, True)
    x = _layer_norm(x)
    return x @ w_emb.T
