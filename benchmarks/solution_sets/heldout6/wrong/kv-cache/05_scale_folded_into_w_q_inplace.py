"""
MISTAKE: "Optimises" the attention by folding 1/sqrt(d_head) into the query weight with w_q.div_(...), which edits blocks_weights in place (a view of it), so the caller's weights change and the scale compounds on every later call with the same tensor.
EXPECTED DIAGNOSIS: Input changed in place: blocks_weights is modified (w_q divided by sqrt(d_head) each call); scale the scores, or a new tensor w_q / sqrt(d_head), instead of editing the weights.
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
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        w_q.div_(math.sqrt(c))                      # pre-scale queries: saves a division on the scores
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, c).transpose(1, 2)
        k = (h @ w_k).view(N, 1, num_heads, c).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, c).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-1, -2), dim=-1)
        x = x + (att @ Vv).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
