"""
MISTAKE: Treats cache[:, 0] as the values and cache[:, 1] as the keys (writes and reads swapped), which is self-consistent over its own calls but wrong against the contract's layout and any cache filled by another implementation.
EXPECTED DIAGNOSIS: Cache layout: cache[i, 0] holds keys and cache[i, 1] values; you store them the other way round, so the written cache is wrong and a cache from a correct implementation is misread.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    xc = x - mu
    return xc * torch.rsqrt(xc.pow(2).mean(dim=-1, keepdim=True) + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))

VALUES, KEYS = 0, 1


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[token_ids].unsqueeze(1) + pos_embed[index].view(1, 1, d)
    for blk in range(len(blocks_weights)):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[blk]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).permute(0, 2, 1, 3)
        k = (h @ w_k).view(N, 1, num_heads, dh).permute(0, 2, 1, 3)
        v = (h @ w_v).view(N, 1, num_heads, dh).permute(0, 2, 1, 3)
        cache[blk, KEYS, :, :, index] = k.squeeze(2)
        cache[blk, VALUES, :, :, index] = v.squeeze(2)
        keys = cache[blk, KEYS, :, :, : index + 1]
        vals = cache[blk, VALUES, :, :, : index + 1]
        w = torch.softmax(q @ keys.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        att = (w @ vals).permute(0, 2, 1, 3).reshape(N, 1, d)
        x = x + att @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = (layer_norm(x) @ w_emb.T).squeeze(1)
    return logits, cache
