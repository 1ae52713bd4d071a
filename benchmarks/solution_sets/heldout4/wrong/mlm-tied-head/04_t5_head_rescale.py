"""
MISTAKE: Rescales the final hidden states by 1/sqrt(d_model) before the tied head (the T5 tied-embedding trick), so every logit is divided by sqrt(d).
EXPECTED DIAGNOSIS: The head is exactly h @ w_emb.T: no scaling of the hidden state or the embedding; your logits are uniformly too small by a factor sqrt(d_model).
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    return xc * torch.rsqrt(xc.square().mean(-1, keepdim=True) + eps)


def gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3)))


def attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).unflatten(-1, (num_heads, dh)).permute(0, 2, 1, 3)
    k = (x @ w_k).unflatten(-1, (num_heads, dh)).permute(0, 2, 1, 3)
    v = (x @ w_v).unflatten(-1, (num_heads, dh)).permute(0, 2, 1, 3)
    p = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh), dim=-1)
    return torch.matmul(p, v).permute(0, 2, 1, 3).flatten(-2) @ w_o


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    V, d = w_emb.shape
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        x = x + attention(layer_norm(x), bw[0], bw[1], bw[2], bw[3], num_heads)
        x = x + gelu(layer_norm(x) @ bw[4]) @ bw[5]
    h = x[mask_indicator > 0.5] * d ** -0.5   # rescale before the tied projection
    return h @ w_emb.transpose(0, 1)
