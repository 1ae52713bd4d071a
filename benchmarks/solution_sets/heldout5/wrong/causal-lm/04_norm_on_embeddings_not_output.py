"""
MISTAKE: The extra layer norm is applied to the embeddings before the first block (BERT's embedding LayerNorm) instead of to the last block's output (GPT-2's ln_f), so the head reads an un-normalised residual stream.
EXPECTED DIAGNOSIS: ln_f in the wrong place: GPT-2 normalises the output of the last block, `logits = layer_norm(x) @ w_emb.T`; the embeddings go into the first block un-normalised.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt(c.square().mean(-1, keepdim=True) + eps)


def gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    dh = d // num_heads
    x = layer_norm(w_emb[input_ids] + pos_embed[:T])          # normalised embeddings
    future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
    for W in blocks_weights:
        h = layer_norm(x)
        q = torch.einsum('ntd,de->nte', h, W[0]).view(N, T, num_heads, dh).transpose(1, 2)
        k = torch.einsum('ntd,de->nte', h, W[1]).view(N, T, num_heads, dh).transpose(1, 2)
        v = torch.einsum('ntd,de->nte', h, W[2]).view(N, T, num_heads, dh).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        s = s.masked_fill(future, float('-inf'))
        a = (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d)
        x = x + a @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    return x @ w_emb.T
