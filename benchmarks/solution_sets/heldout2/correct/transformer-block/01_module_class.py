"""CORRECT (nn.Module subclass without parameters, staticmethod helpers, additive -inf mask).
"""
import math

import torch


class _PreLNBlock(torch.nn.Module):
    def __init__(self, weights, num_heads, causal):
        super().__init__()
        self.wq, self.wk, self.wv, self.wo, self.w1, self.w2 = weights.unbind(0)
        self.h = num_heads
        self.causal = causal

    @staticmethod
    def norm(x, eps=1e-5):
        mu = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mu) / torch.sqrt(var + eps)

    @staticmethod
    def act(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))

    def attn(self, x):
        N, T, d = x.shape
        dh = d // self.h
        heads = lambda t: t.view(N, T, self.h, dh).transpose(1, 2)
        q, k, v = heads(x @ self.wq), heads(x @ self.wk), heads(x @ self.wv)
        s = q @ k.transpose(2, 3) / math.sqrt(dh)
        if self.causal:
            s = s + torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
        o = s.softmax(-1) @ v
        return o.transpose(1, 2).contiguous().view(N, T, d) @ self.wo

    def forward(self, x):
        x = x + self.attn(self.norm(x))
        return x + self.act(self.norm(x) @ self.w1) @ self.w2


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    return _PreLNBlock(block_weights, num_heads, causal)(x)
