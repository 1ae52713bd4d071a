"""CORRECT: tied-head masked LM using F.embedding for the lookup, an einsum helper class for the blocks,
masked rows picked with a boolean mask on the (N*T, d) flattened hidden states (row-major), and the head as
einsum('md,vd->mv', h, w_emb): token v's logit is h . w_emb[v].
"""

import math

import torch
import torch.nn.functional as F


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


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = F.embedding(input_ids, w_emb) + pos_embed[:T].unsqueeze(0)
    for layer in range(blocks_weights.shape[0]):
        x = _PreLNBlock(blocks_weights[layer], num_heads, causal=False)(x)
    keep = (mask_indicator > 0.5).reshape(N * T)
    h = x.reshape(N * T, x.shape[-1])[keep]
    return torch.einsum("md,vd->mv", h, w_emb)
