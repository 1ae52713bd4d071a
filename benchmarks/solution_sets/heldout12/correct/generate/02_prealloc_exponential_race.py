"""CORRECT generate: preallocates the (N, T0 + M) output, fills one column per step from the last position's
logits; sampling restricts to the top_k logits with a -inf mask and draws by an exponential race
(argmin Exp/p, noise from the generator); greedy uses argmax; ended rows keep emitting the end token.
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads

    def split(t):
        return t.view(N, T, num_heads, dh).transpose(1, 2)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
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
    return layer_norm(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    N, T0 = prompt_ids.shape
    out = torch.empty(N, T0 + max_new_tokens, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    done = torch.zeros(N, dtype=torch.bool)
    for t in range(T0, T0 + max_new_tokens):
        last = causal_lm_forward(out[:, :t], w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            tok = torch.argmax(last, dim=-1)
        else:
            s = last.double() / temperature
            if top_k is not None:
                kth = s.topk(top_k, dim=-1).values[:, -1:]
                s = s.masked_fill(s < kth, float("-inf"))
            p = torch.softmax(s, dim=-1)
            e = torch.empty(p.shape, dtype=torch.float64).exponential_(generator=generator)
            tok = (e / p).argmin(dim=-1)
        tok = torch.where(done, torch.full_like(tok, end_token_id), tok)
        done = done | (tok == end_token_id)
        out[:, t] = tok
    return out
