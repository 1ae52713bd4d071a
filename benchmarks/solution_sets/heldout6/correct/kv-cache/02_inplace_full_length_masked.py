"""
CORRECT: Writes the new key/value into the given cache in place, then attends over all max_len slots with a boolean position mask (slot <= index) filled with -inf; stays well within the FLOP budget since only the new token is projected.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(math.sqrt(8.0 / math.pi) * (x + 0.044715 * x * x * x))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    c = d // num_heads
    max_len = cache.shape[4]
    visible = torch.arange(max_len, device=cache.device) <= index          # (max_len,)
    x = (w_emb[token_ids] + pos_embed[index]).view(N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i].unbind(0)
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, c).permute(0, 2, 1, 3)          # (N, H, 1, c)
        k = (h @ w_k).view(N, 1, num_heads, c).permute(0, 2, 1, 3)
        v = (h @ w_v).view(N, 1, num_heads, c).permute(0, 2, 1, 3)
        cache[i, 0, :, :, index:index + 1] = k
        cache[i, 1, :, :, index:index + 1] = v
        s = torch.matmul(q, cache[i, 0].transpose(-1, -2)) / math.sqrt(c)   # (N, H, 1, max_len)
        s = s.masked_fill(~visible, float("-inf"))
        o = torch.matmul(torch.softmax(s, dim=-1), cache[i, 1])             # (N, H, 1, c)
        x = x + o.permute(0, 2, 1, 3).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T
    return logits.view(N, -1), cache
