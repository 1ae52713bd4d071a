"""CORRECT: a helper class holding the unpacked weights with methods for LN, GELU, attention (manual softmax) and MLP; all in one file."""

import math

import torch


class _Block:
    def __init__(self, block_weights, num_heads, causal):
        self.w_q, self.w_k, self.w_v, self.w_o, self.w1, self.w2 = [w for w in block_weights]
        self.H = num_heads
        self.causal = causal

    @staticmethod
    def ln(x, eps=1e-5):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps)

    @staticmethod
    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def attn(self, h):
        N, T, d = h.shape
        dh = d // self.H

        def heads(w):
            return (h @ w).reshape(N, T, self.H, dh).permute(0, 2, 1, 3)

        q, k, v = heads(self.w_q), heads(self.w_k), heads(self.w_v)
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        if self.causal:
            keep = torch.tril(torch.ones(T, T, device=h.device)).bool()
            s = s.masked_fill(~keep, float("-inf"))
        s = s - s.amax(-1, keepdim=True)
        p = s.exp()
        p = p / p.sum(-1, keepdim=True)
        return (p @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ self.w_o

    def __call__(self, x):
        x = x + self.attn(self.ln(x))
        return x + self.gelu(self.ln(x) @ self.w1) @ self.w2


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return _Block(block_weights, num_heads, causal)(x)
