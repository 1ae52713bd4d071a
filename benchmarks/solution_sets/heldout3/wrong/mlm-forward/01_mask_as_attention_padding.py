"""
MISTAKE: Uses mask_indicator as an attention key-padding mask, so no position can attend to the masked ([MASK]) positions.
EXPECTED DIAGNOSIS: mask_indicator only says WHERE to read out logits; it is not an attention mask. The model is fully bidirectional: every position, masked or not, attends to every position.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, key_is_masked=None):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if key_is_masked is not None:
        # [MASK] tokens carry no information: don't let anyone attend to them
        hide = key_is_masked[:, None, None, :]
        hide = hide & ~hide.all(dim=-1, keepdim=True)   # keep at least one key per row
        scores = scores.masked_fill(hide, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    is_masked = mask_indicator > 0.5
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, is_masked)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x[is_masked] @ w_head
