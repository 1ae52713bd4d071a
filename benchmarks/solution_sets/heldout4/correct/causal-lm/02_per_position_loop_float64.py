"""
CORRECT: float64 internally; causal attention computed by an explicit loop over query positions, each attending to the slice of keys 0..t (no mask tensor at all), cast back at the end.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def _causal_attention(h, wq, wk, wv, wo, nh):
    N, T, d = h.shape
    dh = d // nh
    q = (h @ wq).view(N, T, nh, dh).transpose(1, 2)   # (N, nh, T, dh)
    k = (h @ wk).view(N, T, nh, dh).transpose(1, 2)
    v = (h @ wv).view(N, T, nh, dh).transpose(1, 2)
    out = torch.empty_like(q)
    for t in range(T):
        s = (q[:, :, t:t + 1] @ k[:, :, :t + 1].transpose(-1, -2)) / math.sqrt(dh)   # (N, nh, 1, t+1)
        out[:, :, t:t + 1] = torch.softmax(s, dim=-1) @ v[:, :, :t + 1]
    return out.transpose(1, 2).reshape(N, T, d) @ wo


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    dt = w_emb.dtype
    E = w_emb.double()
    T = input_ids.shape[1]
    x = E[input_ids] + pos_embed[:T].double()
    for W in blocks_weights.double():
        x = x + _causal_attention(_ln(x), W[0], W[1], W[2], W[3], num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return (_ln(x) @ E.T).to(dt)
