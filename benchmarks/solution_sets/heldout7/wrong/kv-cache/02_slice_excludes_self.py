"""
MISTAKE: Attends over `cache[..., :index]` (off by one), leaving out the token's own key and value that was just written (at index 0 there is nothing to attend to at all).
EXPECTED DIAGNOSIS: Off-by-one attention slice: the new token must attend to positions 0..index inclusive (`:index + 1`), itself included.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)           # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, H, dh).transpose(1, 2)                 # (N, H, 1, dh)
        k = (h @ w_k).view(N, 1, H, dh).transpose(1, 2)
        v = (h @ w_v).view(N, 1, H, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index]
        Vv = cache[i, 1, :, :, :index]
        att = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        x = x + (att @ Vv).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T
    return logits[:, 0], cache
