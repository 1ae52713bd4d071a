"""
MISTAKE: Runs the blocks with a causal attention mask (copied from a GPT implementation), so positions cannot see later tokens although the masked LM is bidirectional.
EXPECTED DIAGNOSIS: The masked LM is bidirectional: no attention mask; every position must attend to every position of its sequence, the later ones included.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    s = s.masked_fill(~mask, float("-inf"))
    o = torch.softmax(s, dim=-1) @ v
    return o.transpose(1, 2).reshape(N, T, d) @ w_o


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w in blocks_weights:
        w_q, w_k, w_v, w_o, w1, w2 = w
        x = x + attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return x[mask_indicator > 0.5] @ w_head
