"""CORRECT: recomputes an einsum-based causal model on the whole sequence each step; samples by Gumbel-max on the (top-k masked) scaled logits with uniforms from `generator`; ended rows forced to the end token."""

import math

import torch


def _ln(x):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt(c.pow(2).mean(-1, keepdim=True) + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _last_logits(ids, w_emb, pos_embed, blocks_weights, H):
    N, T = ids.shape
    d = w_emb.shape[1]
    dh = d // H
    x = w_emb[ids] + pos_embed[:T]
    future = torch.ones(T, T, dtype=torch.bool, device=ids.device).triu(1)
    for b in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[b]
        h = _ln(x)
        q = torch.einsum("ntd,de->nte", h, w_q).reshape(N, T, H, dh)
        k = torch.einsum("ntd,de->nte", h, w_k).reshape(N, T, H, dh)
        v = torch.einsum("ntd,de->nte", h, w_v).reshape(N, T, H, dh)
        s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh)
        s = s.masked_fill(future, float("-inf"))
        a = torch.einsum("nhij,njhe->nihe", torch.softmax(s, -1), v).reshape(N, T, d)
        x = x + a @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x[:, -1]) @ w_emb.T                       # (N, V)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    ids = prompt_ids.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    for _ in range(max_new_tokens):
        logits = _last_logits(ids, w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            s = logits.double() / temperature
            if top_k is not None:
                kth = s.topk(top_k, dim=-1).values[:, -1:]
                s = s.masked_fill(s < kth, float("-inf"))
            u = torch.rand(s.shape, generator=generator, dtype=torch.float64)
            gumbel = -torch.log(-torch.log(u))
            nxt = torch.argmax(s + gumbel, dim=-1)
        nxt = nxt.masked_fill(done, end_token_id)
        done = done | nxt.eq(end_token_id)
        ids = torch.cat([ids, nxt.unsqueeze(1)], dim=1)
    return ids
