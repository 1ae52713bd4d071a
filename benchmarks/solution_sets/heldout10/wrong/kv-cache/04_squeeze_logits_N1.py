"""WRONG: returns logits.squeeze() instead of logits[:, 0]. Mistake: for a single sequence (N = 1) the
logits come back with shape (V,) instead of (1, V) (values right, N > 1 right); a good grader should
say the N = 1 case loses its batch dimension because squeeze() removes every size-1 axis.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    d_head = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, d_head).transpose(1, 2)   # (N, H, 1, dh)
        k = (h @ w_k).view(N, 1, num_heads, d_head).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, d_head).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        keys = cache[i, 0, :, :, :index + 1]                           # (N, H, index+1, dh)
        values = cache[i, 1, :, :, :index + 1]
        scores = q @ keys.transpose(-2, -1) / math.sqrt(d_head)        # (N, H, 1, index+1)
        att = torch.softmax(scores, dim=-1) @ values                   # (N, H, 1, dh)
        att = att.transpose(1, 2).reshape(N, 1, d)
        x = x + att @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T                                   # (N, 1, V)
    return logits.squeeze(), cache
