"""
MISTAKE: Writes the new key/value with the open slice cache[..., index:, :] = k, broadcasting it into every slot from index to max_len - 1 instead of slot index only (the logits are still right because the read is :index + 1).
EXPECTED DIAGNOSIS: The returned cache changed outside position index: slots after index must stay zero; write exactly cache[i, 0, :, :, index] (or index:index + 1).
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    for i, W in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ W[0]).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ W[1]).view(N, 1, num_heads, dh).transpose(1, 2)      # (N, nh, 1, dh)
        v = (h @ W[2]).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index:] = k
        cache[i, 1, :, :, index:] = v
        K = cache[i, 0, :, :, :index + 1]
        V = cache[i, 1, :, :, :index + 1]
        p = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        x = x + (p @ V).transpose(1, 2).reshape(N, 1, d) @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
