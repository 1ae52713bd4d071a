"""
CORRECT: Block written as a small callable class per block, head via F.linear(h, w_emb) (which is h @ w_emb.T), boolean-index selection.
"""

import math

import torch
import torch.nn.functional as F


class _Block:
    def __init__(self, w, num_heads):
        self.w_q, self.w_k, self.w_v, self.w_o, self.w1, self.w2 = w.unbind(0)
        self.H = num_heads

    @staticmethod
    def ln(x, eps=1e-5):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + eps)

    @staticmethod
    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def attn(self, h):
        N, T, d = h.shape
        dh = d // self.H
        q = (h @ self.w_q).unflatten(-1, (self.H, dh)).transpose(1, 2)
        k = (h @ self.w_k).unflatten(-1, (self.H, dh)).transpose(1, 2)
        v = (h @ self.w_v).unflatten(-1, (self.H, dh)).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        return (a @ v).transpose(1, 2).flatten(2) @ self.w_o

    def __call__(self, x):
        x = x + self.attn(self.ln(x))
        return x + self.gelu(self.ln(x) @ self.w1) @ self.w2


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    x = F.embedding(input_ids, w_emb) + pos_embed[: input_ids.shape[1]]
    for w in blocks_weights:
        x = _Block(w, num_heads)(x)
    return F.linear(x[mask_indicator > 0.5], w_emb)
