"""CORRECT: small Block class per weight slice, masked_select-free selection via boolean indexing of a reshaped stream, head as F.linear(h, w_emb)."""

import math

import torch
import torch.nn.functional as F


class _Block:
    def __init__(self, w, H):
        self.w = w
        self.H = H

    @staticmethod
    def _ln(x):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt(c.square().mean(-1, keepdim=True) + 1e-5)

    def __call__(self, x):
        w_q, w_k, w_v, w_o, w1, w2 = self.w
        N, T, d = x.shape
        dh = d // self.H
        h = self._ln(x)
        sh = lambda t: t.unflatten(-1, (self.H, dh)).transpose(1, 2)   # (N, H, T, dh)
        q, k, v = sh(h @ w_q), sh(h @ w_k), sh(h @ w_v)
        a = torch.softmax(q @ k.transpose(2, 3) * dh ** -0.5, dim=-1) @ v
        x = x + a.transpose(1, 2).flatten(2) @ w_o
        z = self._ln(x) @ w1
        g = 0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))
        return x + g @ w2


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions, head tied to w_emb."""
    T = input_ids.shape[1]
    x = F.embedding(input_ids, w_emb) + pos_embed[:T]
    for w in blocks_weights:
        x = _Block(w, num_heads)(x)
    flat = x.reshape(-1, x.shape[-1])
    h = flat[mask_indicator.reshape(-1) > 0.5]
    return F.linear(h, w_emb)
