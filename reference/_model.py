"""Shared hidden math for every model-level reference: the contract's building blocks,
written once, plainly. Problem references import it with `grader.course.sibling`."""

import math

import torch

# What each helper is for, in words: the automatic variants of grader/evidence/variants.py describe
# an edit by the role of the function it is in (never by its source).
ROLES = {
    "layer_norm": "a layer norm", "gelu": "the GELU", "split_heads": "splitting the heads",
    "merge_heads": "merging the heads", "causal_mask": "the causal mask", "attend": "the attention of queries over keys",
    "multi_head_attention": "multi-head attention (projections and heads)", "pre_ln_block": "the pre-LN block",
    "embed": "the embedding (tokens plus positions)", "run_blocks": "the loop over blocks",
    "masked_positions": "selecting the masked positions", "mlm_forward": "the masked-LM forward pass",
    "mlm_forward_tied": "the tied masked-LM head", "causal_lm_forward": "the causal-LM forward pass",
    "causal_lm_step": "the decode step with the KV cache",
}


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased variance
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def split_heads(t, num_heads):
    N, T, d = t.shape
    # effect: arguments 3 and 4 of `view` swapped => the head count and the head size exchanged (d / num_heads heads of num_heads features each)
    return t.view(N, T, num_heads, d // num_heads).transpose(1, 2)  # (N, h, T, d_head)


def merge_heads(t):
    N, h, T, d_head = t.shape
    return t.transpose(1, 2).reshape(N, T, h * d_head)  # (N, T, d)


def causal_mask(T_q, T_k, device=None):
    """True where query i may attend to key j: j <= i + (T_k - T_q)."""
    offset = T_k - T_q
    return torch.ones(T_q, T_k, dtype=torch.bool, device=device).tril(diagonal=offset)


def attend(q, k, v, causal):
    """q: (N, h, T_q, d_head); k, v: (N, h, T_k, d_head)."""
    d_head = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)  # (N, h, T_q, T_k)
    if causal:
        scores = scores.masked_fill(~causal_mask(q.shape[-2], k.shape[-2]), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    q, k, v = (split_heads(x @ w, num_heads) for w in (w_q, w_k, w_v))
    return merge_heads(attend(q, k, v, causal)) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2


def embed(input_ids, w_emb, pos_embed):
    T = input_ids.shape[1]
    return w_emb[input_ids] + pos_embed[:T]


def run_blocks(x, blocks_weights, num_heads, causal):
    for block_weights in blocks_weights:
        x = pre_ln_block(x, block_weights, num_heads, causal)
    return x


def masked_positions(x, mask_indicator):
    """Rows of x (N, T, d) where the mask is set, in (batch, time) order -> (M, d)."""
    return x[mask_indicator > 0.5]


def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    x = run_blocks(embed(input_ids, w_emb, pos_embed), blocks_weights, num_heads, causal=False)
    return masked_positions(x, mask_indicator) @ w_head


def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    return mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_emb.T, mask_indicator, num_heads)


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    x = run_blocks(embed(input_ids, w_emb, pos_embed), blocks_weights, num_heads, causal=True)
    return layer_norm(x) @ w_emb.T  # ln_f, then the tied head


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    """One decode step: project the new token only, attend over cache[..., :index + 1, :]."""
    cache = cache.clone()
    x = (w_emb[token_ids] + pos_embed[index])[:, None, :]  # (N, 1, d)
    for i, (w_q, w_k, w_v, w_o, w_mlp1, w_mlp2) in enumerate(blocks_weights):
        h = layer_norm(x)
        q, k, v = (split_heads(h @ w, num_heads) for w in (w_q, w_k, w_v))  # (N, h, 1, d_head)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        keys, values = cache[i, 0, :, :, : index + 1], cache[i, 1, :, :, : index + 1]
        x = x + merge_heads(attend(q, keys, values, causal=False)) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
