"""mlm-tied-head: a realistic wrong solution (tuning set).

MISTAKE: attention softmax over dim 0 (the batch)
EXPECTED DIAGNOSIS: depends on the other sequences
KEYWORDS: batch
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
    p = s.softmax(dim=0)
    o = torch.matmul(p, v).permute(0, 2, 1, 3).reshape(B, T, D)
    return o @ wo


def blk(x, W, h, causal):
    wq, wk, wv, wo, w1, w2 = W
    x = x + mha(ln(x), wq, wk, wv, wo, h, causal)
    x = x + act(ln(x) @ w1) @ w2
    return x


def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = blk(x, W, num_heads, False)
    sel = mask_indicator.bool()
    return x[sel] @ w_emb.t()
