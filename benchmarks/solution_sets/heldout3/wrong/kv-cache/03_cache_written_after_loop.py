"""
MISTAKE: Attends over cat(cached past, current k/v) inside the loop, but writes the cache once after the loop with the LAST block's k and v into every block.
EXPECTED DIAGNOSIS: Each block has its own keys and values: write cache[i, 0/1, ..., index] inside the loop with block i's k and v. The logits of this step are right, but every block except the last caches the wrong keys/values.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    k = v = None
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ w_k).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, dh).transpose(1, 2)
        K = torch.cat([cache[i, 0, :, :, :index], k], dim=2)
        V = torch.cat([cache[i, 1, :, :, :index], v], dim=2)
        att = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        x = x + (att @ V).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    if k is not None:
        cache[:, 0, :, :, index] = k[:, :, 0]
        cache[:, 1, :, :, index] = v[:, :, 0]
    logits = layer_norm(x[:, 0]) @ w_emb.T
    return logits, cache
