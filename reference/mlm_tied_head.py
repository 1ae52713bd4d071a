"""Hidden reference for mlm-tied-head: the solution, its cases and its known mistakes."""

import functools

import torch

from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")
L = sibling(__file__, "_lm")


def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]  # (N, T, d)
    for block_weights in blocks_weights:  # bidirectional: no attention mask
        x = M.pre_ln_block(x, block_weights, num_heads, causal=False)
    # The head is the embedding read backwards: logit v is the dot product with token v's row.
    return x[mask_indicator > 0.5] @ w_emb.T  # (M, d) @ (d, V) -> (M, V)


def cases(seed: int) -> list:
    def case(name, about, **shape):
        return L.lm_case(seed, name, about, **shape)

    typical = dict(N=2, T=8, d=32, V=48, num_heads=4, num_blocks=2)
    return [
        case("typical (N=2, T=8, d=32, V=48, 4 heads, 2 blocks)", "a small BERT with a tied head", **typical),
        case("edge: N = 1", "one sequence", **{**typical, "N": 1, "T": 9}),
        case("edge: T = 1", "one token per sequence", **{**typical, "N": 3, "T": 1}),
        case("edge: no blocks", "num_blocks = 0: embed, add positions, tied head", **{**typical, "num_blocks": 0}),
        case("edge: nothing masked", "M = 0: the result has shape (0, V)", **{**typical, "mask": "none"}),
        case("edge: every position masked", "M = N * T", **{**typical, "N": 3, "T": 4, "mask": "all"}),
        case("max_len > T", "pos_embed has more rows than the sequence has positions",
             **{**typical, "T": 5, "max_len": 12}),
        case("one head", "num_heads = 1: d_head = d_model", **{**typical, "num_heads": 1}),
        case("many heads (8 heads, d_head = 4)", "heads own consecutive column blocks",
             **{**typical, "num_heads": 8, "num_blocks": 1}),
        case("large weights", "block weights twice the usual size: GELU and attention far from linear",
             **{**typical, "T": 7, "block_scale": 2.0}),
        case("wide vocabulary (V = 200, d = 16)", "V much larger than d_model, as in real models",
             **{**typical, "d": 16, "V": 200, "num_heads": 2}),
        case("float64", "keep the input's dtype", **{**typical, "N": 3, "T": 6, "d": 24, "V": 40,
                                                     "num_heads": 3, "dtype": torch.float64}),
    ]


def _variant(head="tied", **switch):
    def fn(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
        V, d = w_emb.shape
        w_head = w_emb.reshape(d, V) if head == "reshaped" else w_emb.T
        return L.variant(input_ids, w_emb, pos_embed, blocks_weights, num_heads, w_head,
                         mask_indicator=mask_indicator, **{"mask": "none", **switch})
    return fn


MISTAKES = [
    Mistake("w_emb reshaped instead of transposed", _variant(head="reshaped"),
            "The head used w_emb.reshape(d_model, V) (or .view). A reshape keeps the memory order and cuts it "
            "into new rows, so each 'column' mixes pieces of several tokens' embeddings; only a transpose "
            "turns token v's row into column v.",
            "Use w_emb.T (or w_emb.t(), w_emb.transpose(0, 1)): logits[m, v] = x[m] . w_emb[v]."),
    Mistake("causal mask in a bidirectional model", _variant(mask="causal"),
            "Attention was masked so each position sees only the positions before it. A masked language "
            "model reads the whole sentence: every position attends to every other, both ways.",
            "Call attention without a mask (causal=False) in every block."),
    Mistake("positions added after the blocks", _variant(positions="after"),
            "pos_embed was added to the blocks' output. The blocks then never knew where each token was, and "
            "attention without positions cannot tell word order.",
            "Add pos_embed[:T] to the token embeddings, before the first block."),
    Mistake("positions omitted", _variant(positions="none"),
            "pos_embed was never added: the model sees a bag of tokens, not a sequence.",
            "x = w_emb[input_ids] + pos_embed[:T], then the blocks."),
    Mistake("final layer norm added", _variant(final_ln=True),
            "The blocks' output was layer-normed before the head. This model has no final layer norm "
            "(GPT-2's ln_f belongs to the causal-lm problem); here the head reads the residual stream directly.",
            "Feed the last block's output straight to the tied head."),
    Mistake("masked positions gathered time-major", _variant(gather="time"),
            "The masked rows came out ordered by time first (all sequences' position 0, then position 1, ...). "
            "The contract wants row-major order: sequence 0's masked positions in time order, then sequence 1's.",
            "x[mask_indicator > 0.5] on the (N, T, d) tensor already walks batch first, then time."),
    Mistake("unmasked positions gathered", _variant(gather="inverted"),
            "Logits were returned for the positions where mask_indicator is 0; the 1s mark the tokens to predict.",
            "Select the rows where mask_indicator > 0.5."),
    Mistake("logits at every position", _variant(gather="none"),
            "The head was applied to all N * T positions and nothing was selected: the result is (N, T, V) "
            "instead of (M, V).",
            "Keep only the masked positions, x[mask_indicator > 0.5], then apply the head."),
    Mistake("embedding scaled by sqrt(d_model)", _variant(scale_embedding=True),
            "The token embeddings were multiplied by sqrt(d_model) on the way in, as in the original "
            "Transformer paper. This model adds them to the positions unscaled.",
            "Use w_emb[input_ids] as it is; the tied head also uses w_emb unscaled."),
    Mistake("post-LN blocks", _variant(post_ln=True),
            "Each block normalised after the residual add, LN(x + f(x)) (the original Transformer). "
            "These blocks are pre-LN: x + f(LN(x)).",
            "x = x + attn(layer_norm(x)); x = x + mlp(layer_norm(x))."),
    Mistake("exact (erf) GELU", _variant(gelu="erf"),
            "The MLP used the exact GELU, 0.5 x (1 + erf(x / sqrt 2)). The contract uses the tanh "
            "approximation; they differ by up to about 1e-3, more than the tolerance.",
            "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))."),
    Mistake("attention scaled by sqrt(d_model)", _variant(scale="model"),
            "Attention scores were divided by sqrt(d_model); each head's scores are divided by sqrt(d_head).",
            "d_head = d_model // num_heads; divide q k^T by sqrt(d_head)."),
]


# --------------------------------------------------------------------------- ablation (grader/ablation.py)
WORDS = {"head": "with no blocks and no positions the logits are w_emb[input_ids] @ w_emb.T at the masked positions, "
                 "and yours differ: the embedding lookup, the gathering of the masked positions (row-major, "
                 "(batch, time) order) or the tied head (x @ w_emb.T, unscaled, no extra layer norm) is wrong",
         "positions": "the positional embeddings are added wrongly (x = w_emb[input_ids] + pos_embed[:T])"}


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """The model with parts switched off through its weights (reference/_ablate.py)."""
    base = L.lm_inputs(seed, "ablation", N=2, T=6, max_len=9, d=16, V=20, num_heads=4, num_blocks=2, block_scale=1.5)
    return sibling(__file__, "_ablate").lm_stages(seed, base, mlm_forward_tied, MISTAKES, causal=False, words=WORDS,
                                                  one_position=lambda b: {"input_ids": b["input_ids"][:, :1], "mask_indicator": torch.ones_like(b["mask_indicator"][:, :1])})
