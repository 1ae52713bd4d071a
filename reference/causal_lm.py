"""Hidden reference for causal-lm: the solution, its cases, its known mistakes, and the
expected logits for the public judge (problems/causal-lm/judge.py), which checks them and
causality itself (problems/causal-lm/probe.py runs the learner a second time with the
future tokens changed)."""

import functools

import torch

from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")
L = sibling(__file__, "_lm")


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]  # (N, T, d)
    for block_weights in blocks_weights:  # position t attends to positions <= t
        x = M.pre_ln_block(x, block_weights, num_heads, causal=True)
    x = M.layer_norm(x)  # ln_f: GPT-2's final layer norm (no parameters here)
    return x @ w_emb.T  # (N, T, V): the tied head


def cases(seed: int) -> list:
    def case(name, about, causality=None, **shape):
        options = {} if causality is None else {"causality": causality}
        return L.lm_case(seed, name, about, mask=None, options=options, **shape)

    typical = dict(N=2, T=8, d=32, V=48, num_heads=4, num_blocks=2)
    return [
        case("typical (N=2, T=8, d=32, V=48, 4 heads, 2 blocks)", "a small GPT", causality=4, **typical),
        case("edge: N = 1", "one sequence", causality=6, **{**typical, "N": 1, "T": 10}),
        case("edge: T = 1", "one token: it attends to itself only", **{**typical, "N": 3, "T": 1}),
        case("edge: no blocks", "num_blocks = 0: embed, add positions, ln_f, tied head",
             causality=3, **{**typical, "num_blocks": 0}),
        case("future changed from t = 1", "only token 0 stays: position 0 must not move",
             causality=1, **{**typical, "T": 6}),
        case("last token changed", "only the last token changes: every earlier position must stay put",
             causality=11, **{**typical, "N": 3, "T": 12}),
        case("max_len > T", "pos_embed has more rows than the sequence has positions",
             causality=3, **{**typical, "T": 5, "max_len": 12}),
        case("one head", "num_heads = 1: d_head = d_model", causality=5, **{**typical, "num_heads": 1}),
        case("many heads (8 heads, d_head = 4)", "heads own consecutive column blocks",
             causality=4, **{**typical, "num_heads": 8, "num_blocks": 1}),
        case("large weights", "block weights twice the usual size: GELU and attention far from linear",
             causality=3, **{**typical, "T": 7, "block_scale": 2.0}),
        case("float64", "keep the input's dtype", causality=2,
             **{**typical, "N": 3, "T": 6, "d": 24, "V": 40, "num_heads": 3, "dtype": torch.float64}),
    ]


def expected(case):
    """What the public judge (problems/causal-lm/judge.py) compares the logits with."""
    return causal_lm_forward(**case.pristine_inputs())


def _variant(**switch):
    def fn(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
        return L.variant(input_ids, w_emb, pos_embed, blocks_weights, num_heads, w_emb.T,
                         **{"mask": "causal", "final_ln": True, **switch})
    return fn


MISTAKES = [
    Mistake("no causal mask", _variant(mask="none"),
            "Attention was bidirectional: every position attended to every other, the future included, so "
            "each position's logits can peek at the very token they are meant to predict.",
            "Before the softmax, set the scores of keys j > i to -inf (torch.tril for the allowed part)."),
    Mistake("mask hides the diagonal", _variant(mask="strict"),
            "The mask also hid each position from itself (j < i instead of j <= i). Position 0 then has no "
            "key left at all: its softmax is over only -inf and gives NaN, which spreads to every later "
            "position from the next block on.",
            "Keep the diagonal: allowed = torch.ones(T, T).tril() (diagonal=0), or mask triu(diagonal=1)."),
    Mistake("mask off by one: sees the next token", _variant(mask="next"),
            "The mask allowed j <= i + 1: each position can see one token ahead, the token it must predict.",
            "Allowed keys are j <= i: tril with diagonal=0, or mask triu with diagonal=1."),
    Mistake("mask flipped: attends to the future", _variant(mask="flipped"),
            "The mask kept the upper triangle (j >= i): each position sees itself and the future, never the "
            "past. tril and triu, or the allowed part and the masked part, were swapped.",
            "Allowed keys are j <= i (the lower triangle): mask the scores where j > i."),
    Mistake("masked scores set to 0, not -inf", _variant(mask="zero"),
            "The future scores were replaced by 0 (or multiplied by the mask). exp(0) = 1, so future positions "
            "still get attention weight; only -inf gives them exactly none.",
            "scores.masked_fill(~allowed, float('-inf')) before the softmax."),
    Mistake("mask applied after the softmax", _variant(mask="after-softmax"),
            "The weights were zeroed for future positions after the softmax, so each row no longer sums to 1, "
            "and the future still leaks in: the softmax divided by a sum over every key, later tokens included, "
            "so a position's output changes when a later token does (the dependency grid shows it). Mask the "
            "scores, then normalise.",
            "Set the future scores to -inf before the softmax; the softmax then renormalises over the past."),
    Mistake("final layer norm missing", _variant(final_ln=False),
            "The last block's output went straight to the head. GPT-2 normalises it first (ln_f).",
            "logits = layer_norm(x) @ w_emb.T after the last block."),
    Mistake("positions added after the blocks", _variant(positions="after"),
            "pos_embed was added after the blocks: attention inside them never knew where each token was.",
            "Add pos_embed[:T] to the token embeddings, before the first block."),
    Mistake("positions omitted", _variant(positions="none"),
            "pos_embed was never added: the model cannot tell word order apart.",
            "x = w_emb[input_ids] + pos_embed[:T], then the blocks."),
    Mistake("embedding scaled by sqrt(d_model)", _variant(scale_embedding=True),
            "The token embeddings were multiplied by sqrt(d_model) on the way in, as in the original "
            "Transformer paper; GPT-2 adds them to the positions unscaled.",
            "Use w_emb[input_ids] as it is."),
    Mistake("post-LN blocks", _variant(post_ln=True),
            "Each block normalised after the residual add, LN(x + f(x)). GPT-2's blocks are pre-LN: "
            "x + f(LN(x)), with one final ln_f.",
            "x = x + attn(layer_norm(x)); x = x + mlp(layer_norm(x))."),
    Mistake("exact (erf) GELU", _variant(gelu="erf"),
            "The MLP used the exact GELU, 0.5 x (1 + erf(x / sqrt 2)); GPT-2 and this contract use the tanh "
            "approximation ('gelu_new').",
            "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))."),
    Mistake("attention scaled by sqrt(d_model)", _variant(scale="model"),
            "Attention scores were divided by sqrt(d_model); each head's scores are divided by sqrt(d_head).",
            "d_head = d_model // num_heads; divide q k^T by sqrt(d_head)."),
]


# --------------------------------------------------------------------------- ablation (grader/evidence/ablation.py)
WORDS = {"another_embedding": "the embedding and head alone are right, but with every embedding row "
                               "rescaled the logits do not follow: the head does not compute layer_norm(x) @ w_emb.T from the "
                               "w_emb of this call (a copy or something derived from w_emb kept between calls, "
                               "or a scale that depends on the embedding)",
         "head": "with no blocks and no positions the logits are layer_norm(w_emb[input_ids]) @ w_emb.T, and yours "
                 "differ: the embedding lookup, the final layer norm or the tied head is wrong",
         "positions": "the positional embeddings are added wrongly (x = w_emb[input_ids] + pos_embed[:T])",
         "causal": "the causal mask is wrong: with all scores equal, position i must average the values of "
                   "positions 0..i (itself included, nothing after it)"}


def _final_norm_readings(name, inputs, expected):
    """Observed readings of where the final layer norm sits: the logits computed with it after every block (none
    with no blocks), on the logits instead of the hidden state, or with the unbiased variance (d - 1)."""
    ab = sibling(__file__, "_ablate")
    ids, w_emb, bw, heads = inputs["input_ids"], inputs["w_emb"], inputs["blocks_weights"], inputs["num_heads"]
    h = w_emb[ids] + inputs["pos_embed"][:ids.shape[1]]
    each = h
    for block_weights in bw:
        h = M.pre_ln_block(h, block_weights, heads, causal=True)
        each = M.layer_norm(M.pre_ln_block(each, block_weights, heads, causal=True))
    n = bw.shape[0]
    centred = h - h.mean(-1, keepdim=True)
    unbiased = centred / torch.sqrt(centred.pow(2).sum(-1, keepdim=True) / (h.shape[-1] - 1) + 1e-5)
    stage = "with no blocks" if n == 0 else f"with {n} block(s)"
    return (ab.observed(expected, each @ w_emb.T,
                        "with no blocks, your logits equal (w_emb[input_ids] + pos_embed[:T]) @ w_emb.T: no final "
                        "layer norm is applied" if n == 0 else f"{stage}, your logits equal the right ones with the "
                        f"final layer norm applied after every block ({n} times)", "final norm per block",
                        "your final layer norm is applied after every block instead of once after the last: with no "
                        "blocks your logits have no final layer norm at all, with two blocks there is one after each")
            + ab.observed(expected, M.layer_norm(h @ w_emb.T),
                          f"{stage}, your logits equal layer_norm(h @ w_emb.T), normalised over the vocabulary axis, "
                          "where the right ones are layer_norm(h) @ w_emb.T: the final layer norm is applied to the "
                          "logits instead of to the hidden state h before the head")
            + ab.observed(expected, unbiased @ w_emb.T,
                          f"{stage}, your logits equal the right ones with the final layer norm's variance divided "
                          "by d - 1 (torch's unbiased var/std) instead of by d (the biased variance)"))


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """The model with parts switched off through its weights (reference/_ablate.py)."""
    base = L.lm_inputs(seed, "ablation", N=2, T=6, max_len=9, d=16, V=20, num_heads=4, num_blocks=2, mask=None,
                       block_scale=1.5)
    return sibling(__file__, "_ablate").lm_stages(seed, base, causal_lm_forward, MISTAKES, causal=True, words=WORDS, final_norm=True,
                                                  one_position=lambda b: {"input_ids": b["input_ids"][:, :1]},
                                                  extra_readings=_final_norm_readings)
