"""
MISTAKE: The position to read is computed once before the loop (`last = T0 - 1`) and `logits[:, last]` is used at every step, so every new token is predicted from the prompt's last position rather than from the newest token.
EXPECTED DIAGNOSIS: Wrong position's logits: at each step take the LAST position of the current sequence (`[:, -1]`); only the first new token is right.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt((x - m).square().mean(-1, keepdim=True) + eps)


def _gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def _model(ids, w_emb, pos_embed, blocks_weights, n_heads):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // n_heads
    x = w_emb[ids] + pos_embed[:T]
    for blk in blocks_weights:
        h = _layer_norm(x)
        q, k, v = [(h @ blk[j]).view(N, T, n_heads, dh).transpose(1, 2) for j in range(3)]
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        s = s + torch.full((T, T), float('-inf'), dtype=s.dtype).triu(1)
        x = x + (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ blk[3]
        x = x + _gelu(_layer_norm(x) @ blk[4]) @ blk[5]
    return _layer_norm(x) @ w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    last = T0 - 1
    tokens = prompt_ids
    ended = torch.zeros(N, dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = _model(tokens, w_emb, pos_embed, blocks_weights, num_heads)[:, last]
        if temperature == 0:
            choice = torch.argmax(logits, dim=-1)
        else:
            z = logits / temperature
            if top_k is not None:
                z = z.masked_fill(z < z.topk(top_k, -1).values[:, -1:], float('-inf'))
            g = torch.empty_like(z).exponential_(generator=generator)
            choice = (torch.softmax(z, -1) / g).argmax(-1)
        choice = torch.where(ended, torch.full_like(choice, end_token_id), choice)
        ended = ended | (choice == end_token_id)
        tokens = torch.cat([tokens, choice[:, None]], dim=1)
    return tokens
