"""MISTAKE: multiplies the softmax weights by the lower-triangular mask after the softmax (no renormalisation)
EXPECTED DIAGNOSIS: Mask before the softmax; zeroing afterwards leaves each row's weights summing to less than 1.
"""
import math

import torch
from torch import nn


class ParamFreeLayerNorm(nn.Module):
    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return (x - mean) / torch.sqrt(var + self.eps)


class TanhGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3)))


class Attention(nn.Module):
    def __init__(self, w_q, w_k, w_v, w_o, num_heads, causal):
        super().__init__()
        self.w_q, self.w_k, self.w_v, self.w_o = w_q, w_k, w_v, w_o
        self.num_heads = num_heads
        self.causal = causal

    def _split(self, t):
        N, T, d = t.shape
        return t.view(N, T, self.num_heads, d // self.num_heads).transpose(1, 2)

    def forward(self, x):
        N, T, d = x.shape
        q, k, v = self._split(x @ self.w_q), self._split(x @ self.w_k), self._split(x @ self.w_v)
        scale = 1.0 / math.sqrt(d // self.num_heads)
        s = (q @ k.transpose(-1, -2)) * scale
        if self.causal:
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            a = (s.softmax(-1) * mask) @ v
        else:
            a = s.softmax(-1) @ v
        return a.transpose(1, 2).contiguous().view(N, T, d) @ self.w_o


class PreLNBlock(nn.Module):
    def __init__(self, block_weights, num_heads, causal):
        super().__init__()
        w_q, w_k, w_v, w_o, self.w_mlp1, self.w_mlp2 = block_weights.unbind(0)
        self.ln1 = ParamFreeLayerNorm()
        self.ln2 = ParamFreeLayerNorm()
        self.attn = Attention(w_q, w_k, w_v, w_o, num_heads, causal)
        self.act = TanhGELU()

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.act(self.ln2(x) @ self.w_mlp1) @ self.w_mlp2
        return x


class TinyGPT(nn.Module):
    def __init__(self, w_emb, pos_embed, blocks_weights, num_heads):
        super().__init__()
        self.w_emb = w_emb
        self.pos_embed = pos_embed
        self.blocks = [PreLNBlock(bw, num_heads, causal=True) for bw in blocks_weights]
        self.ln_f = ParamFreeLayerNorm()

    def forward(self, input_ids):
        T = input_ids.shape[1]
        x = self.w_emb[input_ids] + self.pos_embed[:T]
        for block in self.blocks:
            x = block(x)
        return nn.functional.linear(self.ln_f(x), self.w_emb)


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    return TinyGPT(w_emb, pos_embed, blocks_weights, num_heads)(input_ids)
