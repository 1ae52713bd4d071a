"""CORRECT: writes keys/values into the given cache in place and attends over ALL max_len slots with a mask that hides
slots > index (-inf before the softmax), which is equivalent to slicing :index + 1 and stays well within the FLOP budget;
computes the arithmetic in float64 and casts logits back.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    L = cache.shape[4]
    dt = w_emb.dtype
    x = (w_emb[token_ids] + pos_embed[index]).double()
    hidden_slots = torch.arange(L) > index
    for i in range(blocks_weights.shape[0]):
        w = blocks_weights[i].double()
        h = layer_norm(x)
        q = (h @ w[0]).view(N, num_heads, 1, dh)
        cache[i, 0, :, :, index] = (h @ w[1]).view(N, num_heads, dh).to(cache.dtype)
        cache[i, 1, :, :, index] = (h @ w[2]).view(N, num_heads, dh).to(cache.dtype)
        K = cache[i, 0].double()                                         # (N, H, L, dh)
        Vv = cache[i, 1].double()
        s = (q @ K.transpose(-2, -1)).squeeze(2) / math.sqrt(dh)         # (N, H, L)
        s = s.masked_fill(hidden_slots, float("-inf"))
        a = torch.softmax(s, dim=-1).unsqueeze(2)
        x = x + (a @ Vv).reshape(N, d) @ w[3]
        x = x + gelu(layer_norm(x) @ w[4]) @ w[5]
    logits = layer_norm(x) @ w_emb.double().T
    return logits.to(dt), cache
