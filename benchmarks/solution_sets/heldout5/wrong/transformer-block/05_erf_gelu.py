"""
MISTAKE: The MLP activation is the exact GELU `0.5*x*(1+erf(x/sqrt(2)))` instead of the tanh approximation (about 3e-4 off here).
EXPECTED DIAGNOSIS: Exact (erf) GELU used in the MLP: the contract is the tanh approximation `0.5*x*(1+tanh(sqrt(2/pi)*(x+0.044715*x**3)))`.
"""

import math

import torch


class Block:
    def __init__(self, weights, num_heads, causal):
        self.w = weights
        self.h = num_heads
        self.causal = causal

    @staticmethod
    def norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt(c.pow(2).mean(-1, keepdim=True) + eps)

    @staticmethod
    def act(x):
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))

    def attention(self, h):
        w_q, w_k, w_v, w_o = self.w[0], self.w[1], self.w[2], self.w[3]
        N, T, d = h.shape
        dh = d // self.h
        q = torch.einsum('ntd,de->nte', h, w_q).view(N, T, self.h, dh)
        k = torch.einsum('ntd,de->nte', h, w_k).view(N, T, self.h, dh)
        v = torch.einsum('ntd,de->nte', h, w_v).view(N, T, self.h, dh)
        s = torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh)
        if self.causal:
            s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool, device=h.device).tril(), float('-inf'))
        o = torch.einsum('nhqk,nkhe->nqhe', s.softmax(-1), v).reshape(N, T, d)
        return o @ w_o

    def mlp(self, h):
        return self.act(h @ self.w[4]) @ self.w[5]

    def __call__(self, x):
        x = x + self.attention(self.norm(x))
        return x + self.mlp(self.norm(x))


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return Block(block_weights, num_heads, causal)(x)
