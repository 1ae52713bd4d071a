"""
MISTAKE: Unpacks the packed weights as w_q, w_k, w_v, w_mlp1, w_mlp2, w_o (assuming the output projection is stored last), so slot 3 is used as the MLP's first matrix and slot 5 as w_o.
EXPECTED DIAGNOSIS: Weights unpacked in the wrong order: block_weights[0..5] are [w_q, w_k, w_v, w_o, w_mlp1, w_mlp2].
"""

import math

import torch
from torch import nn


class Block(nn.Module):
    """Parameter-free pre-LN block that receives its weights at call time."""

    def __init__(self, num_heads: int, causal: bool):
        super().__init__()
        self.num_heads = num_heads
        self.causal = causal

    @staticmethod
    def ln(x, eps=1e-5):
        m = x.mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)

    @staticmethod
    def act(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def attn(self, x, w_q, w_k, w_v, w_o):
        N, T, d = x.shape
        H = self.num_heads
        c = d // H
        q = (x @ w_q).view(N, T, H, c).transpose(1, 2)
        k = (x @ w_k).view(N, T, H, c).transpose(1, 2)
        v = (x @ w_v).view(N, T, H, c).transpose(1, 2)
        s = q @ k.transpose(-2, -1) / math.sqrt(c)
        if self.causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o

    def forward(self, x, weights):
        w_q, w_k, w_v, w_mlp1, w_mlp2, w_o = weights
        x = x + self.attn(self.ln(x), w_q, w_k, w_v, w_o)
        x = x + self.act(self.ln(x) @ w_mlp1) @ w_mlp2
        return x


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return Block(num_heads, causal)(x, block_weights)
