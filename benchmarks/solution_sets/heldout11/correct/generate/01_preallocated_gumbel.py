"""CORRECT: preallocates the (N, T0 + max_new_tokens) output, recomputes the helper-class causal model on the filled prefix
each step, greedy argmax at temperature 0 (top_k ignored), otherwise top-k by sorting + Gumbel-max on the log-probs with
noise from `generator` (one independent draw per row); ended rows are forced to end_token_id.
"""

import math

import torch

class _Pieces:
    """Small helper bundling the three building blocks."""

    eps = 1e-5
    k = math.sqrt(2.0 / math.pi)

    @classmethod
    def norm(cls, x):
        var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return (x - mean) * torch.rsqrt(var + cls.eps)

    @classmethod
    def act(cls, x):
        inner = cls.k * (x + 0.044715 * x * x * x)
        return x * torch.sigmoid(2.0 * inner)

    @staticmethod
    def attend(x, wq, wk, wv, wo, heads, causal):
        N, T, d = x.shape
        dh = d // heads
        q, k, v = x @ wq, x @ wk, x @ wv
        outs = []
        for h in range(heads):
            sl = slice(h * dh, (h + 1) * dh)
            s = torch.einsum("ntc,nsc->nts", q[..., sl], k[..., sl]) * (1.0 / math.sqrt(dh))
            if causal:
                keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
                s = torch.where(keep, s, torch.full_like(s, float("-inf")))
            a = torch.softmax(s, dim=-1)
            outs.append(torch.einsum("nts,nsc->ntc", a, v[..., sl]))
        return torch.cat(outs, dim=-1) @ wo

    @classmethod
    def block(cls, x, w, heads, causal):
        x = x + cls.attend(cls.norm(x), w[0], w[1], w[2], w[3], heads, causal)
        return x + cls.act(cls.norm(x) @ w[4]) @ w[5]


def _logits_last(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    for w in blocks_weights:
        x = _Pieces.block(x, w, num_heads, True)
    return (_Pieces.norm(x) @ w_emb.T)[:, -1]


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    N, T0 = prompt_ids.shape
    out = torch.empty(N, T0 + max_new_tokens, dtype=torch.int64)
    out[:, :T0] = prompt_ids
    done = torch.zeros(N, dtype=torch.bool)
    for step in range(max_new_tokens):
        t = T0 + step
        logits = _logits_last(out[:, :t], w_emb, pos_embed, blocks_weights, num_heads)
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            s = (logits / temperature).double()
            if top_k is not None:
                kth = s.sort(dim=-1, descending=True).values[:, top_k - 1:top_k]
                s = torch.where(s >= kth, s, torch.full_like(s, float("-inf")))
            logp = torch.log_softmax(s, dim=-1)
            u = torch.rand(logp.shape, generator=generator, dtype=torch.float64).clamp_min(1e-300)
            nxt = torch.argmax(logp - torch.log(-torch.log(u)), dim=-1)
        nxt[done] = end_token_id
        done |= nxt == end_token_id
        out[:, t] = nxt
    return out
