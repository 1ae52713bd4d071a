"""
MISTAKE: The MLP residual is added to the original input x instead of the post-attention stream x1 (returns x + MLP(LN(x1))), so the attention update is dropped from the output.
EXPECTED DIAGNOSIS: The second residual must add to the stream after the attention update (x1 + MLP(LN(x1))); the attention output is lost.
"""

import math

import torch

_C = math.sqrt(2.0 / math.pi)


class _Block:
    """Small helper object holding one block's weights."""

    def __init__(self, block_weights, num_heads):
        self.wq, self.wk, self.wv, self.wo, self.w1, self.w2 = block_weights.unbind(0)
        self.h = num_heads

    @staticmethod
    def ln(t, eps=1e-5):
        mu = t.mean(-1, keepdim=True)
        var = t.var(-1, unbiased=False, keepdim=True)
        return (t - mu) * torch.rsqrt(var + eps)

    @staticmethod
    def act(t):
        return t * torch.sigmoid(2.0 * _C * (t + 0.044715 * t.pow(3)))

    def attn(self, h, causal):
        N, T, d = h.shape
        dh = d // self.h
        q = torch.einsum("ntd,de->nte", h, self.wq).reshape(N, T, self.h, dh)
        k = torch.einsum("ntd,de->nte", h, self.wk).reshape(N, T, self.h, dh)
        v = torch.einsum("ntd,de->nte", h, self.wv).reshape(N, T, self.h, dh)
        s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh)
        if causal:
            keep = torch.ones(T, T, dtype=torch.bool, device=h.device).tril()
            s = s.masked_fill(~keep, float("-inf"))
        a = s.softmax(dim=-1)
        o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
        return o @ self.wo

    def mlp(self, h):
        return self.act(h @ self.w1) @ self.w2

    def __call__(self, x, causal):
        attn_out = self.attn(self.ln(x), causal)
        x1 = x + attn_out
        mlp_out = self.mlp(self.ln(x1))
        return x + mlp_out


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return _Block(block_weights, num_heads)(x, causal)
