"""Correct: the block as a small nn.Module built on the fly from the packed weights (no parameters copied,
just references), einsum attention, GELU via sigmoid identity."""
import math

import torch
from torch import nn


class _Block(nn.Module):
    def __init__(self, weights, num_heads, causal):
        super().__init__()
        self.w = weights
        self.h = num_heads
        self.causal = causal

    @staticmethod
    def norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / (c.pow(2).mean(-1, keepdim=True) + eps).sqrt()

    @staticmethod
    def act(x):
        return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))

    def attn(self, x):
        N, T, d = x.shape
        dh = d // self.h
        q, k, v = (torch.einsum("ntd,de->nte", x, w).reshape(N, T, self.h, dh) for w in self.w[:3])
        s = torch.einsum("nthc,nshc->nhts", q, k) / math.sqrt(dh)
        if self.causal:
            keep = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            s = s.masked_fill(~keep, float("-inf"))
        o = torch.einsum("nhts,nshc->nthc", s.softmax(-1), v).reshape(N, T, d)
        return o @ self.w[3]

    def forward(self, x):
        x = x + self.attn(self.norm(x))
        return x + self.act(self.norm(x) @ self.w[4]) @ self.w[5]


def pre_ln_block(x, block_weights, num_heads, causal=False):
    return _Block(block_weights, num_heads, causal)(x)
