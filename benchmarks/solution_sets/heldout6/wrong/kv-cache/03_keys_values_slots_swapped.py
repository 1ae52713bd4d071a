"""
MISTAKE: Writes keys into cache[i, 1] and values into cache[i, 0] (and reads them back the same swapped way), contradicting the contract's layout ([:, 0] keys, [:, 1] values); self-consistent at index 0, wrong with any cache filled by a correct implementation.
EXPECTED DIAGNOSIS: Keys and values stored in swapped slots: cache[i, 0] must hold keys and cache[i, 1] values; the written cache differs from the expected one and a correctly filled cache is misread.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    c = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index])[:, None, :]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        v_cache, k_cache = cache[i]                                  # (N, H, max_len, c) views
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, c).transpose(1, 2)
        k = (h @ w_k).view(N, 1, num_heads, c).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, c).transpose(1, 2)
        k_cache[:, :, index:index + 1] = k
        v_cache[:, :, index:index + 1] = v
        K = k_cache[:, :, :index + 1]
        Vv = v_cache[:, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(c), dim=-1)
        x = x + (att @ Vv).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
