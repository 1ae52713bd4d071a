"""
MISTAKE: The final layer norm is indented into the block loop, so the residual stream is re-normalised after every block (and not at all when num_blocks = 0) instead of once after the last block.
EXPECTED DIAGNOSIS: ln_f belongs after the loop: apply the final layer norm exactly once, after the last block (also when there are no blocks); normalising x after each block changes the residual stream of later blocks.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for h in range(num_heads):
        c = slice(h * dh, (h + 1) * dh)
        s = q_all[:, :, c] @ k_all[:, :, c].transpose(1, 2) / math.sqrt(dh)
        if causal:
            s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
        heads.append(torch.softmax(s, dim=-1) @ v_all[:, :, c])
    return torch.cat(heads, dim=-1) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = bw
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal=True)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
        x = layer_norm(x)  # ln_f
    return x @ w_emb.T
