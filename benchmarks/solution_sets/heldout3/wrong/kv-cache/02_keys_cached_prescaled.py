"""
MISTAKE: Folds 1/sqrt(d_head) into the keys before caching them and drops it from the scores, so the cache holds scaled keys (self-consistent, but not the keys).
EXPECTED DIAGNOSIS: The cache must hold the raw keys k = LN(x) @ w_k. Your own decoding agrees, but a cache filled by any other correct implementation is misread (scores too large by sqrt(d_head)) and your cache differs from the expected keys at every write.
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
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).transpose(1, 2)    # (N, H, 1, dh)
        k = (h @ w_k).view(N, 1, num_heads, dh).transpose(1, 2) / math.sqrt(dh)  # pre-scale once
        v = (h @ w_v).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index + 1]
        V = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-2, -1), dim=-1)
        out = (att @ V).transpose(1, 2).reshape(N, 1, d)
        x = x + out @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T
    return logits[:, 0], cache
