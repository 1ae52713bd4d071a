"""
MISTAKE: Calls the full forward on ids[:, -1:] only (as if there were a cache), so each next token is predicted from the last token alone at position 0, with no context and the wrong position.
EXPECTED DIAGNOSIS: Context dropped: without a KV cache the forward must see the whole sequence so far, causal_lm_forward(ids, ...)[:, -1]; the first new token is right only when the prompt has one token.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    c = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, c).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, c).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, c).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(c)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = pre_ln_block(x, bw, num_heads, causal=True)
    return layer_norm(x) @ w_emb.T


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), dim=-1)


def sample(probs, generator):
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    out = prompt_ids.clone()
    N = out.shape[0]
    done = torch.zeros(N, dtype=torch.bool)
    for _ in range(max_new_tokens):
        last = out[:, -1:]                                   # only the newest token is needed
        logits = causal_lm_forward(last, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            probs = top_k_probs(logits, temperature, top_k) if top_k is not None \
                else torch.softmax(logits / temperature, dim=-1)
            nxt = sample(probs, generator)
        nxt[done] = end_token_id
        done |= nxt == end_token_id
        out = torch.cat([out, nxt.unsqueeze(1)], dim=1)
    return out
