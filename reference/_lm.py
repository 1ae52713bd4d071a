"""Shared by the language-model references (mlm-forward, mlm-tied-head, causal-lm):
the case builder, and one forward pass with switches that reproduce the realistic
mistakes. Each known mistake in those references flips one switch (or passes a wrong head).

The correct pipeline lives in `_model.py`; `variant(...)` with the right switches equals it
exactly (the tests check that), so a mistake differs from the reference only where it says."""

import math

import torch

from grader.cases import Case, generator, randint, randn
from grader.course import sibling

M = sibling(__file__, "_model")


# --------------------------------------------------------------------------- cases
def lm_inputs(seed, salt, *, N, T, d, V, num_heads, num_blocks, max_len=None, dtype=torch.float32,
              block_scale=1.0, head=False, mask="random", mask_rate=0.35):
    """Inputs of one language-model case. `block_scale` multiplies the usual d**-0.5
    block weights (larger weights drive GELU and attention away from their linear
    regimes, where the GELU variants and attention scalings differ most)."""
    g = generator(seed, salt)
    max_len = max_len or T
    inputs = {
        "input_ids": randint(g, V, N, T),
        "w_emb": randn(g, V, d, dtype=dtype),
        "pos_embed": randn(g, max_len, d, dtype=dtype, scale=0.5),
        "blocks_weights": randn(g, num_blocks, 6, d, d, dtype=dtype, scale=block_scale * d ** -0.5),
    }
    if head:
        inputs["w_head"] = randn(g, d, V, dtype=dtype, scale=d ** -0.5)
    if mask is not None:
        if mask == "none":
            chosen = torch.zeros(N, T, dtype=torch.bool)
        elif mask == "all":
            chosen = torch.ones(N, T, dtype=torch.bool)
        elif mask == "one":  # M = 1: a squeeze of the gathered rows would drop the row axis
            chosen = torch.zeros(N, T, dtype=torch.bool)
            chosen[N - 1, T // 2] = True
        else:
            chosen = torch.rand(N, T, generator=g) < mask_rate
            chosen[:, 0] |= ~chosen.any(dim=1)  # every sequence has a masked position
            if N > 1 and T > 1:
                chosen[0, -1] = True  # a late position in sequence 0 and an early one in sequence 1:
                chosen[1, 0] = True   # time-major gathering puts them in a different order
        inputs["mask_indicator"] = chosen.to(dtype)
    inputs["num_heads"] = num_heads
    return inputs


def lm_case(seed, name, about, *, options=None, **shape):
    return Case(name, lm_inputs(seed, name, **shape), about, options=dict(options or {}))


# --------------------------------------------------------------------------- variants
def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def attention(x, w_q, w_k, w_v, w_o, num_heads, *, mask="none", scale="head"):
    """mask: none | causal | strict (diagonal hidden too) | next (sees one token ahead) |
    flipped (sees the future, not the past) | zero (masked scores set to 0, not -inf) |
    after-softmax (weights zeroed after the softmax, not renormalised).
    scale: head (sqrt(d_head), correct) | model (sqrt(d_model))."""
    d = x.shape[-1]
    q, k, v = (M.split_heads(x @ w, num_heads) for w in (w_q, w_k, w_v))  # (N, h, T, d_head)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads if scale == "head" else d)
    T = x.shape[1]
    lower = torch.ones(T, T, dtype=torch.bool).tril()
    allowed = {"causal": lower, "strict": lower.tril(-1), "next": torch.ones(T, T, dtype=torch.bool).tril(1),
               "flipped": lower.T}.get(mask)
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    elif mask == "zero":
        scores = scores.masked_fill(~lower, 0.0)
    weights = torch.softmax(scores, dim=-1)
    if mask == "after-softmax":
        weights = weights.masked_fill(~lower, 0.0)
    return M.merge_heads(weights @ v) @ w_o


def block(x, block_weights, num_heads, *, mask, scale, gelu, post_ln):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    act = gelu_erf if gelu == "erf" else M.gelu
    if post_ln:  # the original Transformer: normalise after each residual add
        x = M.layer_norm(x + attention(x, w_q, w_k, w_v, w_o, num_heads, mask=mask, scale=scale))
        return M.layer_norm(x + act(x @ w_mlp1) @ w_mlp2)
    x = x + attention(M.layer_norm(x), w_q, w_k, w_v, w_o, num_heads, mask=mask, scale=scale)
    return x + act(M.layer_norm(x) @ w_mlp1) @ w_mlp2


def variant(input_ids, w_emb, pos_embed, blocks_weights, num_heads, head, *, mask="none", scale="head",
            gelu="tanh", post_ln=False, positions="before", scale_embedding=False, final_ln=False,
            mask_indicator=None, gather="batch"):
    """The language-model forward with one or more switches flipped.

    positions: before (correct) | after (added to the blocks' output) | none.
    gather (with mask_indicator): batch (row-major, correct) | time (time-major) |
    inverted (the unmasked positions) | none (logits at every position)."""
    T, d = input_ids.shape[1], w_emb.shape[1]
    x = w_emb[input_ids] * (math.sqrt(d) if scale_embedding else 1.0)  # (N, T, d)
    if positions == "before":
        x = x + pos_embed[:T]
    for block_weights in blocks_weights:
        x = block(x, block_weights, num_heads, mask=mask, scale=scale, gelu=gelu, post_ln=post_ln)
    if positions == "after":
        x = x + pos_embed[:T]
    if final_ln:
        x = M.layer_norm(x)
    if mask_indicator is not None:
        chosen = mask_indicator > 0.5
        if gather == "batch":
            x = x[chosen]  # (M, d)
        elif gather == "time":
            x = x.transpose(0, 1)[chosen.T]
        elif gather == "inverted":
            x = x[~chosen]
    return x @ head
