"""CORRECT: pre-LN block implemented by a small helper class (_PreLNBlock) using einsum everywhere,
torch.var_mean/rsqrt for the layer norm, GELU written as x * sigmoid(2z); the block runs in float64
on an upcast copy and the result is cast back to x's dtype.
"""

import math

import torch


_GELU_C = math.sqrt(2.0 / math.pi)


class _PreLNBlock:
    """One pre-LN block (no parameters of its own) working on (N, T, d) tensors."""

    def __init__(self, weights: torch.Tensor, num_heads: int, causal: bool):
        self.w_q, self.w_k, self.w_v, self.w_o, self.w_1, self.w_2 = weights.unbind(0)
        self.h = num_heads
        self.causal = causal

    @staticmethod
    def norm(x, eps=1e-5):
        var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return (x - mean) * torch.rsqrt(var + eps)

    @staticmethod
    def act(x):
        return x * torch.sigmoid(2.0 * _GELU_C * (x + 0.044715 * x * x * x))

    def attend(self, x):
        N, T, d = x.shape
        dh = d // self.h
        q = torch.einsum("ntd,de->nte", x, self.w_q).reshape(N, T, self.h, dh)
        k = torch.einsum("ntd,de->nte", x, self.w_k).reshape(N, T, self.h, dh)
        v = torch.einsum("ntd,de->nte", x, self.w_v).reshape(N, T, self.h, dh)
        s = torch.einsum("nihc,njhc->nhij", q, k) * (dh ** -0.5)
        if self.causal:
            s = s + torch.full((T, T), float("-inf"), dtype=s.dtype).triu(1)
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
        return torch.einsum("ntd,de->nte", o, self.w_o)

    def __call__(self, x):
        x = x + self.attend(self.norm(x))
        return x + torch.einsum("ntd,de->nte", self.act(self.norm(x) @ self.w_1), self.w_2)


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    block = _PreLNBlock(block_weights.to(torch.float64), num_heads, causal)
    return block(x.to(torch.float64)).to(x.dtype)
