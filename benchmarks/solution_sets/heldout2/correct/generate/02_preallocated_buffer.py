"""CORRECT (dataclass model, output buffer pre-filled with the end token, early exit when all rows ended).
"""
import math

import torch

from dataclasses import dataclass


@dataclass
class _Model:
    w_emb: torch.Tensor
    pos_embed: torch.Tensor
    blocks: torch.Tensor
    heads: int

    def ln(self, x):
        var, mean = torch.var_mean(x, -1, keepdim=True, correction=0)
        return (x - mean) / (var + 1e-5).sqrt()

    def mha(self, x, wq, wk, wv, wo):
        N, T, d = x.shape
        dh = d // self.heads
        q = (x @ wq).view(N, T, self.heads, dh).permute(0, 2, 1, 3)
        k = (x @ wk).view(N, T, self.heads, dh).permute(0, 2, 3, 1)
        v = (x @ wv).view(N, T, self.heads, dh).permute(0, 2, 1, 3)
        s = (q @ k) / math.sqrt(dh) + torch.full((T, T), -math.inf, dtype=x.dtype).triu(1)
        return (s.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ wo

    def last_logits(self, ids):
        T = ids.shape[1]
        x = self.w_emb[ids] + self.pos_embed[:T]
        for wq, wk, wv, wo, w1, w2 in self.blocks:
            x = x + self.mha(self.ln(x), wq, wk, wv, wo)
            h = self.ln(x) @ w1
            x = x + (h * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3))) @ w2
        return self.ln(x[:, -1]) @ self.w_emb.T


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    model = _Model(w_emb, pos_embed, blocks_weights, num_heads)
    N, T0 = prompt_ids.shape
    buf = torch.full((N, T0 + max_new_tokens), end_token_id, dtype=torch.int64)
    buf[:, :T0] = prompt_ids
    alive = torch.ones(N, dtype=torch.bool)
    for t in range(T0, T0 + max_new_tokens):
        if not bool(alive.any()):
            break                                 # the buffer is already padded with end tokens
        logits = model.last_logits(buf[:, :t])
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            if top_k is not None:
                vals, idx = torch.topk(logits / temperature, top_k, dim=-1)
                probs = torch.zeros_like(probs).scatter(-1, idx, torch.softmax(vals, -1))
            cdf = probs.double().cumsum(-1)
            u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
            nxt = (cdf <= u).sum(-1).clamp(max=probs.shape[-1] - 1)
        buf[:, t] = torch.where(alive, nxt, torch.full_like(nxt, end_token_id))
        alive = alive & (buf[:, t] != end_token_id)
    return buf
