"""kv-cache: a realistic wrong solution (tuning set).

MISTAKE: adds pos_embed[index + 1]
EXPECTED DIAGNOSIS: position added at each step wrong
KEYWORDS: position
"""
import math
import torch


def ln(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def act(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def mha(x, wq, wk, wv, wo, h, causal):
    B, T, D = x.shape
    dh = D // h
    def split(t):
        return t.reshape(B, T, h, dh).permute(0, 2, 1, 3)
    q, k, v = split(x @ wq), split(x @ wk), split(x @ wv)
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        m = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        s = s.masked_fill(m, float("-inf"))
    p = s.softmax(dim=-1)
    o = torch.matmul(p, v).permute(0, 2, 1, 3).reshape(B, T, D)
    return o @ wo


def blk(x, W, h, causal):
    wq, wk, wv, wo, w1, w2 = W
    x = x + mha(ln(x), wq, wk, wv, wo, h, causal)
    x = x + act(ln(x) @ w1) @ w2
    return x


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index + 1]).unsqueeze(1)
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        hdn = ln(x)
        q = (hdn @ wq).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (hdn @ wk).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (hdn @ wv).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index + 1]
        V = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        o = (att @ V).transpose(1, 2).reshape(N, 1, d)
        x = x + o @ wo
        x = x + act(ln(x) @ w1) @ w2
    logits = ln(x) @ w_emb.t()
    return logits[:, 0], cache
