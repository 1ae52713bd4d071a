"""CORRECT (plain class with __call__, generator expression for q/k/v, arange comparison mask).
"""
import math

import torch


class TinyGPT:
    def __init__(self, w_emb, pos_embed, blocks_weights, num_heads):
        self.wte, self.wpe, self.blocks, self.H = w_emb, pos_embed, blocks_weights, num_heads

    @staticmethod
    def ln(x):
        m = x.mean(-1, keepdim=True)
        v = (x - m).pow(2).mean(-1, keepdim=True)
        return (x - m) / (v + 1e-5) ** 0.5

    @staticmethod
    def gelu(x):
        return 0.5 * x * (1 + torch.tanh((2 / math.pi) ** 0.5 * (x + 0.044715 * x ** 3)))

    def attn(self, x, wq, wk, wv, wo):
        N, T, d = x.shape
        dh = d // self.H
        q, k, v = (torch.matmul(x, w).view(N, T, self.H, dh).transpose(1, 2) for w in (wq, wk, wv))
        att = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(dh)
        allowed = torch.arange(T)[None, :] <= torch.arange(T)[:, None]
        att = att.masked_fill(~allowed, float("-inf")).softmax(-1)
        return torch.matmul(att, v).transpose(1, 2).reshape(N, T, d) @ wo

    def __call__(self, ids):
        T = ids.shape[1]
        x = self.wte[ids] + self.wpe[:T]
        for b in range(self.blocks.shape[0]):
            wq, wk, wv, wo, w1, w2 = self.blocks[b].unbind(0)
            x = x + self.attn(self.ln(x), wq, wk, wv, wo)
            x = x + self.gelu(self.ln(x) @ w1) @ w2
        return self.ln(x) @ self.wte.transpose(0, 1)


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    return TinyGPT(w_emb, pos_embed, blocks_weights, num_heads)(input_ids)
