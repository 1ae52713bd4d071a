"""
MISTAKE: Keeps the tokens of earlier calls in a module-level list and re-runs the whole causal forward over them at every step (ignoring the cached keys/values for the logits), which breaks on a cache filled elsewhere and exceeds the FLOP budget.
EXPECTED DIAGNOSIS: The step keeps state between calls and recomputes the prefix: it must read the past only from `cache` and project only the new token (fails the filled-cache case and the work budget).
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


_history = []   # tokens seen so far in this generation


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    global _history
    if index == 0:
        _history = []
    _history.append(token_ids.clone())
    ids = torch.stack(_history, dim=1)                                 # (N, t)
    N, T = ids.shape
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    x = w_emb[ids] + pos_embed[:T]
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, T, H, dh).transpose(1, 2)
        k = (h @ w_k).view(N, T, H, dh).transpose(1, 2)
        v = (h @ w_v).view(N, T, H, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, -1]
        cache[i, 1, :, :, index] = v[:, :, -1]
        s = (q @ k.transpose(-2, -1) / math.sqrt(dh)).masked_fill(~allowed, float("-inf"))
        x = x + (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x[:, -1]) @ w_emb.T
    return logits, cache
