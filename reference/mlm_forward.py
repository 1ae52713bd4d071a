"""Hidden reference for mlm-forward: the solution, its cases and its known mistakes."""

import functools

import torch

from grader.cases import CREDIT_WITH
from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")
L = sibling(__file__, "_lm")
S = sibling(__file__, "_mlm")  # the mistakes both masked-LM problems share


def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]  # (N, T, d): token plus position
    for block_weights in blocks_weights:  # bidirectional: no attention mask
        x = M.pre_ln_block(x, block_weights, num_heads, causal=False)
    # No final layer norm. Boolean indexing walks (batch, time) in row-major order.
    return x[mask_indicator > 0.5] @ w_head  # (M, V)


TYPICAL = "typical (N=2, T=8, d=32, V=50, 4 heads, 2 blocks)"


def cases(seed: int) -> list:
    def case(name, about, options=None, **shape):
        return L.lm_case(seed, name, about, head=True, options=options, **shape)

    typical = dict(N=2, T=8, d=32, V=50, num_heads=4, num_blocks=2)
    return [
        case(TYPICAL, "a small BERT", **typical),
        case("edge: N = 1", "one sequence", **{**typical, "N": 1, "T": 10}),
        case("edge: T = 1", "one token per sequence: attention sees only itself", **{**typical, "N": 3, "T": 1}),
        case("edge: no blocks", "num_blocks = 0: embed, add positions, head",
             **{**typical, "num_blocks": 0}),
        case("edge: nothing masked", "M = 0: the result has shape (0, V) (credited only with the typical case: "
             "an empty answer is no work)", options={CREDIT_WITH: TYPICAL}, **{**typical, "mask": "none"}),
        case("edge: nothing masked, float64", "M = 0 with float64 weights: the (0, V) result keeps their dtype "
             "(credited only with the typical case)", options={CREDIT_WITH: TYPICAL},
             **{**typical, "N": 2, "T": 5, "mask": "none", "dtype": torch.float64}),
        case("edge: one masked position", "M = 1: the result is (1, V), not (V,)", **{**typical, "N": 2, "T": 5, "mask": "one"}),
        case("edge: every position masked", "M = N * T", **{**typical, "N": 3, "T": 5, "mask": "all"}),
        case("max_len > T", "pos_embed has more rows than the sequence has positions",
             **{**typical, "T": 6, "max_len": 16}),
        case("one head", "num_heads = 1: d_head = d_model", **{**typical, "num_heads": 1}),
        case("many heads (8 heads, d_head = 4)", "heads own consecutive column blocks",
             **{**typical, "num_heads": 8, "num_blocks": 1}),
        case("large weights", "block weights twice the usual size: GELU and attention far from linear",
             **{**typical, "T": 7, "block_scale": 2.0}),
        case("float64", "keep the input's dtype", **{**typical, "N": 3, "T": 6, "d": 24, "V": 40,
                                                     "num_heads": 3, "dtype": torch.float64}),
    ]


def _variant(**switch):
    def fn(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
        return L.variant(input_ids, w_emb, pos_embed, blocks_weights, num_heads, w_head,
                         mask_indicator=mask_indicator, **{"mask": "none", **switch})
    return fn


def _embedding_as_head(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    return L.variant(input_ids, w_emb, pos_embed, blocks_weights, num_heads, w_emb.T, mask_indicator=mask_indicator)


MISTAKES = S.shared_mistakes(_variant) + [
    Mistake("embedding used as the head", _embedding_as_head,
            "The logits were x @ w_emb.T, the tied head of the next problem. This problem gives a separate "
            "head, w_head of shape (d_model, V).",
            "logits = x @ w_head."),
]


# --------------------------------------------------------------------------- ablation (grader/evidence/ablation.py)
WORDS = {"head": "with no blocks and no positions the logits are w_emb[input_ids] @ w_head at the masked positions, "
                 "and yours differ: the embedding lookup, the gathering of the masked positions (row-major, "
                 "(batch, time) order), the head, or something applied to the stream before the head (this model "
                 "has no layer norm on its embeddings and none at the end) is wrong",
         "positions": "the positional embeddings are added wrongly (x = w_emb[input_ids] + pos_embed[:T])"}


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """The model with parts switched off through its weights (reference/_ablate.py)."""
    base = L.lm_inputs(seed, "ablation", N=2, T=6, max_len=9, d=16, V=20, num_heads=4, num_blocks=2, head=True,
                       block_scale=1.5)
    return sibling(__file__, "_ablate").lm_stages(seed, base, mlm_forward, MISTAKES, causal=False, words=WORDS,
                                                  one_position=lambda b: {"input_ids": b["input_ids"][:, :1], "mask_indicator": torch.ones_like(b["mask_indicator"][:, :1])})
