"""generate: a realistic wrong solution (tuning set).

MISTAKE: forgets positional embeddings
EXPECTED DIAGNOSIS: positions wrong
KEYWORDS: positional
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


def forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids]
    for W in blocks_weights:
        x = blk(x, W, num_heads, True)
    return ln(x) @ w_emb.t()


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            logits = logits / temperature
            if top_k is not None:
                kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = torch.softmax(logits, -1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            nxt = (probs.cumsum(-1) < u).sum(-1).clamp(max=probs.shape[-1] - 1)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        done = done | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
