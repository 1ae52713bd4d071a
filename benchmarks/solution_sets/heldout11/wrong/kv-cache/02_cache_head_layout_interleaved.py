"""WRONG: splits k and v into heads with view(N, 1, d_head, num_heads) (strided columns), while q uses the right split;
the keys/values written to the cache are in the wrong layout, and the attention output (values merged back in the
contiguous layout) is permuted, so logits are wrong too unless num_heads is 1. A good grader should say the cache
holds keys/values in the wrong head layout (columns interleaved instead of contiguous per head).
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
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).transpose(1, 2)      # (N, H, 1, dh)
        k = (h @ w_k).view(N, 1, dh, num_heads).permute(0, 3, 1, 2)
        v = (h @ w_v).view(N, 1, dh, num_heads).permute(0, 3, 1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index + 1]                            # (N, H, index+1, dh)
        Vv = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        out = (att @ Vv).transpose(1, 2).reshape(N, 1, d)
        x = x + out @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x)[:, 0] @ w_emb.T
    return logits, cache
