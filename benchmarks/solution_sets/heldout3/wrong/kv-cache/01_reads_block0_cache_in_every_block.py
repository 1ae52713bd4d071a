"""
MISTAKE: Writes each block's keys/values into cache[i] correctly but reads K, V from cache[0] (block 0's slots) in every block.
EXPECTED DIAGNOSIS: Block i must attend over its own keys and values, cache[i, 0/1, :, :, :index + 1]. Your cache is right, but every block after the first attends over block 0's keys and values (right only with <= 1 block).
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
        k = (h @ w_k).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[0, 0, :, :, :index + 1]
        V = cache[0, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(dh), dim=-1)
        out = (att @ V).transpose(1, 2).reshape(N, 1, d)
        x = x + out @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T
    return logits[:, 0], cache
