"""Adversarial (s25): equal to the catalogue's 'logits of position 0'

MISTAKE: Each step runs the model on the first token only (ids[:, :1], a slicing slip) and takes its last position.
"""

import math

import torch
from torch import nn

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    a = torch.softmax(s, dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o

def block(x, w, num_heads, causal):
    x = x + attention(layer_norm(x), w[0], w[1], w[2], w[3], num_heads, causal)
    return x + gelu(layer_norm(x) @ w[4]) @ w[5]

def _logits(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    for w in blocks_weights:
        x = block(x, w, num_heads, True)
    return layer_norm(x[:, -1]) @ w_emb.T

def _probs(logits, temperature, top_k):
    z = logits / temperature
    if top_k is not None:
        kth = z.topk(top_k, dim=-1).values[..., -1:]
        z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)


def _draw(probs, generator):
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).clamp(max=V - 1).reshape(N)


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = _logits(ids[:, :1], w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = _draw(_probs(logits, temperature, top_k), generator)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        done = done | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
