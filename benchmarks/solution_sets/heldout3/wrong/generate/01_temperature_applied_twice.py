"""
MISTAKE: Divides the logits by the temperature up front and then passes them to top_k_probs(scaled, temperature, k) (k = V when top_k is None), which divides again: the draws follow temperature**2.
EXPECTED DIAGNOSIS: top_k_probs already applies the temperature; give it the raw logits. The temperature is applied twice (T = 0.7 acts like 0.49, T = 1.5 like 2.25), so the sampled frequencies do not follow softmax(logits / T).
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x

def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        x = pre_ln_block(x, blocks_weights[i], num_heads, causal=True)
    x = layer_norm(x)
    return x @ w_emb.T

def top_k_probs(logits, temperature, k):
    s = logits / temperature
    vals, idx = torch.topk(s, k, dim=-1)
    kept = torch.softmax(vals, dim=-1)
    return torch.zeros_like(s).scatter(-1, idx, kept)

def sample(probs, generator):
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp(max=probs.shape[1] - 1).long()

def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights,
             num_heads, temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            scaled = logits / temperature
            k = top_k if top_k is not None else scaled.shape[-1]   # top-k with k = V is the plain softmax
            probs = top_k_probs(scaled, temperature, k)
            nxt = sample(probs, generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished = finished | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
