"""CORRECT: GPT-2 forward where causality comes from slicing instead of a mask: for every query
position t the scores are computed against keys 0..t only (k[:, :, :t+1]), softmaxed and applied to
v[:, :, :t+1]; then the usual pre-LN residuals, ln_f and the tied head x @ w_emb.T.
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    return xc / torch.sqrt(xc.pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def _causal_attention(h, w_q, w_k, w_v, w_o, num_heads):
    """Causal attention written query by query: position t only ever looks at keys 0..t."""
    N, T, d = h.shape
    dh = d // num_heads
    q = (h @ w_q).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    k = (h @ w_k).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    v = (h @ w_v).reshape(N, T, num_heads, dh).permute(0, 2, 1, 3)
    rows = []
    for t in range(T):
        s = (q[:, :, t:t + 1] @ k[:, :, :t + 1].transpose(-1, -2)) / math.sqrt(dh)   # (N, H, 1, t+1)
        rows.append(torch.softmax(s, dim=-1) @ v[:, :, :t + 1])                      # (N, H, 1, dh)
    out = torch.cat(rows, dim=2).permute(0, 2, 1, 3).reshape(N, T, d)
    return out @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_1, w_2 = blocks_weights[i]
        x = x + _causal_attention(_ln(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + _gelu(_ln(x) @ w_1) @ w_2
    return _ln(x) @ w_emb.transpose(0, 1)
