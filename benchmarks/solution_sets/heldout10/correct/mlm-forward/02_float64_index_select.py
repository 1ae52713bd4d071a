"""CORRECT: same model computed in float64 with an einsum-based helper class for the blocks; the masked
rows are picked by flattening (N, T) to N*T rows and index_select with the nonzero flat indices
(batch-major, hence row-major order); the logits are cast back to the weights' dtype. An empty mask
gives an empty (0, V) result.
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


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    f64 = torch.float64
    x = w_emb.to(f64)[input_ids] + pos_embed.to(f64)[:T]
    for bw in blocks_weights.to(f64):
        x = _PreLNBlock(bw, num_heads, causal=False)(x)
    flat = x.reshape(N * T, -1)
    rows = torch.nonzero(mask_indicator.reshape(-1) > 0.5).reshape(-1)
    h = flat.index_select(0, rows)
    return (h @ w_head.to(f64)).to(w_emb.dtype)
