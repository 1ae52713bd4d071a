"""
MISTAKE: The logits are always divided by the temperature before choosing (`scaled = logits / temperature`, "argmax does not care about scaling"), so with temperature == 0 every positive logit becomes +inf and argmax returns the first positive logit instead of the largest one.
EXPECTED DIAGNOSIS: Greedy decoding is wrong: with temperature 0 take `logits.argmax(-1)` directly; dividing by 0 turns the logits into +-inf and the argmax into the first positive token.
"""

import math

import torch


def _norm(t):
    c = t - t.mean(dim=-1, keepdim=True)
    return c / torch.sqrt(c.pow(2).mean(dim=-1, keepdim=True) + 1e-5)


def _logits_last(ids, w_emb, pos_embed, blocks_weights, H):
    N, T = ids.shape
    d = w_emb.shape[-1]
    hd = d // H
    x = w_emb[ids] + pos_embed[:T]
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for W in blocks_weights:
        h = _norm(x)
        q = (h @ W[0]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
        k = (h @ W[1]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
        v = (h @ W[2]).reshape(N, T, H, hd).permute(0, 2, 1, 3)
        a = (q @ k.transpose(-1, -2) / math.sqrt(hd)).masked_fill(~allowed, float('-inf')).softmax(-1)
        x = x + (a @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ W[3]
        u = _norm(x) @ W[4]
        x = x + (0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))) @ W[5]
    return (_norm(x) @ w_emb.T)[:, -1]


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    seq = prompt_ids.clone()
    done = torch.zeros(seq.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = _logits_last(seq, w_emb, pos_embed, blocks_weights, num_heads)
        scaled = logits / temperature
        if temperature > 0:
            if top_k is not None:
                kth = scaled.topk(top_k, dim=-1).values[:, -1:]
                scaled = scaled.masked_fill(scaled < kth, float('-inf'))
            probs = torch.softmax(scaled, dim=-1)
            u = torch.rand(seq.shape[0], 1, generator=generator, dtype=probs.dtype)
            nxt = (probs.cumsum(-1) <= u).sum(-1).clamp(max=probs.shape[-1] - 1)
        else:
            nxt = scaled.argmax(dim=-1)
        nxt[done] = end_token_id
        done |= nxt == end_token_id
        seq = torch.cat((seq, nxt.unsqueeze(1)), dim=1)
    return seq
