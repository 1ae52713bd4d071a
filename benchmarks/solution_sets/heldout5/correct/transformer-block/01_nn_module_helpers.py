"""
CORRECT: nn.Module subclasses for a hand-written LayerNorm/GELU/attention/MLP (no built-ins), weights passed at call time, per-head loop in the attention.
"""

import math

import torch
from torch import nn


class ParamFreeLayerNorm(nn.Module):
    def __init__(self, eps: float = 1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = (x - mean).square().mean(dim=-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps)


class TanhGelu(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


class HeadLoopAttention(nn.Module):
    def __init__(self, num_heads: int, causal: bool):
        super().__init__()
        self.num_heads = num_heads
        self.causal = causal

    def forward(self, h, w_q, w_k, w_v, w_o):
        N, T, d = h.shape
        dh = d // self.num_heads
        q, k, v = h @ w_q, h @ w_k, h @ w_v
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool, device=h.device))
        pieces = []
        for i in range(self.num_heads):
            sl = slice(i * dh, (i + 1) * dh)
            s = q[:, :, sl] @ k[:, :, sl].transpose(1, 2) / math.sqrt(dh)
            if self.causal:
                s = s.masked_fill(~allowed, float('-inf'))
            pieces.append(torch.softmax(s, dim=-1) @ v[:, :, sl])
        return torch.cat(pieces, dim=-1) @ w_o


class PreLNBlock(nn.Module):
    def __init__(self, num_heads: int, causal: bool):
        super().__init__()
        self.ln1 = ParamFreeLayerNorm()
        self.ln2 = ParamFreeLayerNorm()
        self.attn = HeadLoopAttention(num_heads, causal)
        self.act = TanhGelu()

    def forward(self, x, w):
        x = x + self.attn(self.ln1(x), w[0], w[1], w[2], w[3])
        return x + self.act(self.ln2(x) @ w[4]) @ w[5]


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return PreLNBlock(num_heads, causal)(x, block_weights)
