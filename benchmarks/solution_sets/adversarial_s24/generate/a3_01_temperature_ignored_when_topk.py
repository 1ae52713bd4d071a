"""
MISTAKE: With top_k set, the temperature is not applied (softmax(topk(logits))).
"""
import math
import torch


def ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def mha(x, w_q, w_k, w_v, w_o, H, causal):
    N, T, d = x.shape
    dh = d // H
    q, k, v = [(x @ w).view(N, T, H, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        x = x + mha(ln(x), w_q, w_k, w_v, w_o, num_heads, True)
        x = x + gelu(ln(x) @ w1) @ w2
    return ln(x) @ w_emb.T


def draw(probs, generator):
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    return (probs.cumsum(-1) < u).sum(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids
    done = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            if top_k is None:
                probs = torch.softmax(logits / temperature, -1)
            else:
                kth = logits.topk(top_k, -1).values[:, -1:]
                probs = torch.softmax(logits.masked_fill(logits < kth, float("-inf")), -1)
            nxt = draw(probs, generator)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        done = done | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], 1)
    return ids
