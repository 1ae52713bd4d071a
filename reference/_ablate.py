"""Ablation stages shared by the model-level references (grader/evidence/ablation.py reads them).

Every stage is the problem's own entry on inputs whose WEIGHTS switch parts of the model
off; the expected output is the reference's, and the readings are the problem's own
known mistakes evaluated on the same ablated inputs (on a stage that isolates one
sublayer, matching one of them says where the slip is even when the whole output
matches none). The ladder goes from the outside in: embedding and head, positions, one
block with both sublayers off (the identity), only the MLP (identity weights first, so
its activation is read directly), only attention (equal scores first, so the mask and
value path are read without the scale), stacking two identical blocks, then two
different ones."""

import warnings

import torch

from grader.ablation import Reading, Stage
from grader.cases import generator, randn
from grader.compare import close

W_Q, W_K, W_V, W_O, W_MLP1, W_MLP2 = range(6)


def block_weights(g, d, dtype, scale=1.5):
    return randn(g, 6, d, d, dtype=dtype, scale=scale * d ** -0.5)


def with_zeros(bw, *which):
    bw = bw.clone()
    for i in which:
        bw[i] = 0
    return bw


def with_identity(bw, *which):
    bw = bw.clone()
    for i in which:
        bw[i] = torch.eye(bw.shape[-1], dtype=bw.dtype)
    return bw


# (name, changed, wrong_means, hint, make(bw) -> bw, causal override or None)
def block_steps(bw, causal_words="the causal mask is wrong"):
    """The block-level ladder: (name, changed, wrong_means, hint, ablated block weights, causal)."""
    only_mlp_eye = with_identity(with_zeros(bw, W_O), W_MLP1, W_MLP2)
    uniform = with_identity(with_zeros(bw, W_Q, W_K, W_MLP2), W_V, W_O)
    return [
        ("one block with both sublayers switched off", "w_o = 0 and w_mlp2 = 0: both branches add zero",
         "with both sublayers switched off the block must return its input, and yours does not: something on "
         "the residual path changes x (a residual connection missing or scaled, the stream normalised, or "
         "something added to it outside the two branches)",
         "Each sublayer adds to the stream: x = x + branch(layer_norm(x)); the stream is never normalised.",
         with_zeros(bw, W_O, W_MLP2), None),
        ("one block with only its MLP, identity MLP weights", "w_o = 0 (no attention), w_mlp1 = w_mlp2 = I: "
         "the MLP branch is exactly gelu(layer_norm(x))",
         "the MLP branch is wrong even with identity matrices: its activation, the layer norm before it, or how "
         "the branch's output is added back to the stream (attention is off and the MLP's matrices are the "
         "identity, so only these act)",
         "x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2 with the tanh GELU and the biased-variance layer norm.",
         only_mlp_eye, None),
        ("one block with only its MLP", "w_o = 0: the attention branch adds zero",
         "the MLP sublayer's use of its weights is wrong: which matrix comes first, their orientation, or "
         "where the GELU sits (between the two matrices; with identity matrices its place did not show)",
         "gelu(layer_norm(x) @ w_mlp1) @ w_mlp2: block_weights[4] first, [5] second, right-multiplied.",
         with_zeros(bw, W_O), None),
        ("one block with only attention, all scores equal, no mask", "w_q = w_k = 0 (every query weighs every "
         "key equally), w_v = w_o = I, w_mlp2 = 0, causal off: each position must get x + the mean of "
         "layer_norm(x) over the positions",
         "with all attention scores equal, each position must receive the average of the values, and yours "
         "does not: the value path (w_v, splitting or merging the heads, w_o), the layer norm before "
         "attention, or which positions are attended to (here every position must see every position) is wrong",
         "Softmax of equal scores is uniform; the output is merge_heads(weights @ v) @ w_o.",
         uniform, False),
        ("one block with only attention, all scores equal, causal", "w_q = w_k = 0, w_v = w_o = I, w_mlp2 = 0, "
         "causal on: position i must get x + the mean of layer_norm(x) over positions 0..i",
         causal_words,
         "Position i may attend to j <= i: fill the other scores with -inf BEFORE the softmax.",
         uniform, True),
        ("one block with only attention, one head", "w_mlp2 = 0, num_heads = 1: real scores, no heads to split",
         "attention with real scores is wrong even with a single head, while its value path and mask are right: "
         "the scores (their scale, or how queries and keys are projected) or the softmax",
         "scores = q @ k.transpose(-2, -1) / sqrt(d_head); with one head d_head = d.",
         with_zeros(bw, W_MLP2), None, {"num_heads": 1}),
        ("one block with only attention", "w_mlp2 = 0: the MLP branch adds zero",
         "attention is right with one head but not with several: splitting into heads, merging them back, or "
         "the per-head scale sqrt(d_head) (d_head = d // num_heads)",
         "scores = q @ k.transpose(-2, -1) / sqrt(d_head) per head, d_head = d // num_heads.",
         with_zeros(bw, W_MLP2), None),
    ]


IDENTITY_STAGE = "one block with both sublayers switched off"


def identity_readings(x, expected):
    """With both sublayers off a block returns x: what it returns instead, when that is a plain function of x
    (observed readings: a measured fact about the output, said as the finding)."""
    centred = x - x.mean(-1, keepdim=True)
    normed = centred / torch.sqrt((centred ** 2).mean(-1, keepdim=True) + 1e-5)
    words = "with both sublayers switched off (they add zero), your block returns "
    out = []
    for got, seen in ((normed, words + "layer_norm(x), its input normalised over the last axis, instead of x"),
                      (centred, words + "x minus its mean over the last axis (centred, not scaled) instead of x"),
                      (2 * x, words + "2 x instead of x"), (torch.zeros_like(x), words + "zeros instead of x")):
        if not close(expected, got, 1e-5, 1e-4):
            out.append(Reading(got, seen, seen, observed=True))
    return tuple(out)


def readings_for(mistakes, inputs, expected):
    """The problem's known mistakes on the stage inputs, where they differ from the right output."""
    out, names = [], set()
    tol = (1e-5, 1e-5) if expected.dtype == torch.float32 else (1e-10, 1e-8)
    for m in mistakes:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = m.fn(**_copy(inputs))
        except Exception:
            continue
        if type(got) is not torch.Tensor or got.shape != expected.shape or m.name in names \
                or close(expected, got, *tol):
            continue
        names.add(m.name)
        out.append(Reading(got, m.name, f"your output on these inputs equals what code with the slip "
                                        f"\"{m.name}\" returns"))
    return tuple(out)


def block_stages(seed, forward, mistakes, *, N=2, T=6, d=16, num_heads=4, dtype=torch.float32):
    """transformer-block: the block ladder on its own entry (x, block_weights, num_heads, causal)."""
    g = generator(seed, "ablation: block")
    x = randn(g, N, T, d, dtype=dtype, scale=2.0, shift=1.0)
    bw = block_weights(g, d, dtype)
    stages = []
    single = {"x": x[:, :1], "block_weights": with_zeros(bw, W_MLP2), "num_heads": num_heads, "causal": False}
    steps = block_steps(bw)
    at = next(i for i, st in enumerate(steps) if st[0].startswith("one block with only attention, all scores"))
    steps.insert(at, ("one block with only attention, one position", "a single position (T = 1), w_mlp2 = 0: "
                      "attention must return that position's own value, x @ w_v, heads merged, @ w_o",
                      SINGLE, "v = layer_norm(x) @ w_v, split into heads and merged back in the same order, "
                      "then @ w_o.", single["block_weights"], False))
    for name, changed, wrong_means, hint, weights, causal, *extra in steps:
        inputs = {"x": x[:, :1] if "one position" in name else x, "block_weights": weights, "num_heads": num_heads,
                  "causal": False if causal is None else causal, **(extra[0] if extra else {})}
        expected = forward(**_copy(inputs))
        found = readings_for(mistakes, inputs, expected)
        if name == IDENTITY_STAGE:
            found += identity_readings(inputs["x"], expected)
        if name == "one block with only its MLP":
            found += mlp_order_readings(inputs, expected)
        if "only attention" in name:
            found += observed(expected, inputs["x"], "with only attention on (the MLP adds zero), your block returns "
                              "its input x unchanged", "attention lost", "with only attention on (the MLP adds zero), "
                              "your block returns its input x unchanged on every such stage: attention adds "
                              "zero to the stream",
                              # x unchanged: attention added zero, from its value path or from a zero input (a layer
                              # norm over a length-1 axis); the value path's hint was once shown for the latter.
                              hinted=False)
        found += weight_swap_readings(forward, inputs, expected)
        found += _other_ways().readings(forward, inputs, expected)
        stages.append(Stage(name, inputs, expected, changed, wrong_means, hint, readings=found))
    for causal in (False, True):
        inputs = {"x": x, "block_weights": bw, "num_heads": num_heads, "causal": causal}
        expected = forward(**_copy(inputs))
        stages.append(Stage(f"the whole block, causal {'on' if causal else 'off'}", inputs, expected,
                            "nothing switched off", "each sublayer is right alone but not together: how they are "
                            "chained (their order, or which stream the MLP's layer norm reads)",
                            "x = x + mha(layer_norm(x)); then x = x + mlp(layer_norm(x)) of the UPDATED x.",
                            readings=readings_for(mistakes, inputs, expected)))
    return mark_informative(stages, {})


def lm_stages(seed, base, forward, mistakes, *, causal, words, readings=True, one_position=None, final_norm=False,
              extra_readings=None, other_ways=True):
    """The model ladder. `base`: the entry's inputs (w_emb, pos_embed, blocks_weights with >= 2 blocks);
    `forward(**inputs)`: the reference's output; `words`: problem-specific wrong_means for
    "head" (embedding and head alone), "positions", and optionally "causal" (the causal stage),
    "single" (one position), "stacking" and "indexing" (two identical, two different blocks: what
    else those stages exercise in this problem); `final_norm`: the model ends with a layer norm,
    whose place the first stage in which a block changes the stream also exercises (while the
    blocks are the identity, a layer norm before them reads the same); `one_position(base) -> changed inputs` cuts the sequence to one position;
    `extra_readings(stage name, inputs, expected) -> Readings`: the problem's own observed readings (what its
    output is when computed a specific other way, e.g. the final layer norm placed elsewhere); `other_ways`: the
    block-count and weight-swap readings (one forward per swap and stage: off where a forward is slow and tokens say little)."""
    bw = base["blocks_weights"]
    zero_blocks = bw[:0]
    zero_pos = torch.zeros_like(base["pos_embed"])
    steps = [
        ("embedding and head alone", "no blocks (blocks_weights of shape (0, 6, d, d)) and pos_embed = 0",
         words["head"], words.get("head_hint", ""), {"blocks_weights": zero_blocks, "pos_embed": zero_pos}),
        ("embedding, positions and head", "no blocks", words["positions"], "x = w_emb[input_ids] + pos_embed[:T].",
         {"blocks_weights": zero_blocks}),
    ]
    if "another_embedding" in words:  # a tied head: it must read THIS call's w_emb, unscaled
        steps.insert(1, another_embedding(base, words["another_embedding"], zero_blocks, zero_pos))
    first = bw[0]
    for name, changed, wrong_means, hint, weights, block_causal, *extra in block_steps(
            first, words.get("causal", "the causal mask is wrong")):
        if name.startswith("one block with only attention, all scores equal") and one_position is not None \
                and not any(st[0].endswith("one position") for st in steps):
            # First the value path alone: with one position there is nothing to mask or to choose.
            steps.append(("one block with only attention, one position", "a single position (T = 1), "
                          "w_mlp2 = 0: attention must return that position's own value, x @ w_v, heads merged, @ w_o",
                          words.get("single", SINGLE),
                          "v = layer_norm(x) @ w_v, split into heads and merged back in the same order, then @ w_o.",
                          {**one_position(base), "blocks_weights": with_zeros(first, W_MLP2)[None]}))
        if block_causal is not None and block_causal != causal:
            continue  # the model fixes the flag: only the stage it uses
        if final_norm and name == FIRST_CHANGE:
            wrong_means += (", or a layer norm sits in the wrong place on the stream (the final one belongs after the "
                            "last block, and none on the embeddings: while the blocks changed nothing, a layer norm "
                            "anywhere on the stream read the same)")
        steps.append((name, changed, wrong_means, hint, {"blocks_weights": weights[None], **(extra[0] if extra else {})}))
    steps.append(("one block, both sublayers", "nothing switched off in the only block", words.get("chaining", CHAINING),
                  "x = x + attention(layer_norm(x)); then x = x + mlp(layer_norm(x)) of the UPDATED x.",
                  {"blocks_weights": first[None]}))
    steps.append(("two identical blocks", "blocks_weights = [B, B]", words.get("stacking", STACKING),
                  "for block_weights in blocks_weights: x = block(x, block_weights, ...)",
                  {"blocks_weights": torch.stack([first, first])}))
    steps.append(("two different blocks", "blocks_weights = [B0, B1]", words.get("indexing", INDEXING),
                  "Block i uses blocks_weights[i], in order.", {"blocks_weights": bw[:2]}))
    stages = []
    for name, changed, wrong_means, hint, change in steps:
        inputs = {**base, **change}
        expected = forward(**_copy(inputs))
        found = readings_for(mistakes, inputs, expected) if readings else ()
        if name == "two different blocks":
            found += block_order_readings(forward, inputs, expected)
        if name == "embedding, positions and head":
            found += position_shift_readings(forward, inputs, expected)
        if other_ways:
            found += block_short_readings(forward, inputs, expected)
            # Every stage with a block: a grouped reading is named only when the stages where it gives the right answer
            # are right too, so it is computed wherever it could tell (grader/evidence/ablation.py).
            found += weight_swap_readings(forward, inputs, expected)
            found += _other_ways().readings(forward, inputs, expected)
        else:  # a slow forward: only whether the causal mask is there at all
            found += _other_ways().readings(forward, inputs, expected, only=("causal_mask",))
        if extra_readings is not None:
            found += tuple(extra_readings(name, _copy(inputs), expected))
        if name == ANOTHER_EMBEDDING and stages:
            found += (Reading(stages[0].expected, "a head kept from the first embedding",
                              "your output equals the right output for the ORIGINAL w_emb (the stage before): "
                              "something computed from w_emb is kept between calls"),)
        stages.append(Stage(name, inputs, expected, changed, wrong_means, hint, readings=found))
    return mark_informative(stages, BASELINES)


def block_order_readings(forward, inputs, expected):
    """Blocks [B0, B1]: the right outputs for [B0, B0], [B1, B1] and [B1, B0]. A learner's output equal to one of
    them is a measured fact about which weights its blocks ran with (observed readings, said as the finding)."""
    b0, b1 = inputs["blocks_weights"][0], inputs["blocks_weights"][1]
    out = []
    for order, seen in (((b0, b0), "with two different blocks [B0, B1], your output equals the right output for "
                                   "[B0, B0]: the second block ran with the first block's weights"),
                        ((b1, b1), "with two different blocks [B0, B1], your output equals the right output for "
                                   "[B1, B1]: the first block ran with the second block's weights"),
                        ((b1, b0), "with two different blocks [B0, B1], your output equals the right output for "
                                   "[B1, B0]: the blocks ran in the reverse order")):
        got = forward(**_copy({**inputs, "blocks_weights": torch.stack(order)}))
        if not close(expected, got, 1e-6, 1e-5):
            out.append(Reading(got, seen, seen, observed=True))
    return tuple(out)


def observed(expected, got, seen, group="", group_seen="", alone=True, hinted=True, whole=False):
    """An observed reading, when `got` differs from the right answer (else it would tell nothing); `alone`
    False: said only as its group; `hinted` False: the stage's hint is not shown under it (what it measured
    has causes outside the part the hint is about); `whole`: the whole model computed another way
    (grader/evidence/ablation.py)."""
    if type(got) is not torch.Tensor or got.shape != expected.shape or close(expected, got, 1e-6, 1e-5):
        return ()
    return (Reading(got, seen, seen, observed=True, group=group, group_seen=group_seen, alone=alone, hinted=hinted,
                    whole=whole),)


def position_shift_readings(forward, inputs, expected):
    """No blocks: the right output when position t reads row t + s of pos_embed (s = 1 .. rows - T). A learner's
    output equal to one says which rows its positions used, as a measured fact."""
    ids, pos = inputs.get("input_ids"), inputs.get("pos_embed")
    if type(ids) is not torch.Tensor or type(pos) is not torch.Tensor or ids.ndim != 2:
        return ()
    T, rows = ids.shape[1], pos.shape[0]
    out = ()
    for s in range(1, rows - T + 1):
        last = " (the last T rows of the table)" if s == rows - T else ""
        got = forward(**_copy({**inputs, "pos_embed": torch.roll(pos, -s, 0)}))
        out += observed(expected, got, f"with no blocks, your output equals the right output when position t reads "
                                       f"row t + {s} of pos_embed{last} instead of row t: the positions are taken "
                                       f"from rows {s}..{s + T - 1}, not 0..{T - 1}")
    return out


def _swapped(bw, i, j):
    out = bw.clone()
    out[..., i, :, :], out[..., j, :, :] = bw[..., j, :, :], bw[..., i, :, :]
    return out


def _replaced(bw, i, by):
    out = bw.clone()
    out[..., i, :, :] = bw[..., by, :, :]
    return out


def _transposed(bw, i):
    out = bw.clone()
    out[..., i, :, :] = bw[..., i, :, :].transpose(-2, -1)
    return out


# (what the weights were changed to, in words): the right output with these weights, equal to a learner's, says which
# matrix its code used where; the same change in every block.
WEIGHT_SWAPS = (
    ("w_k replaced by w_q (the keys projected with the query weight)", lambda bw: _replaced(bw, W_K, W_Q)),
    ("w_q replaced by w_k (the queries projected with the key weight)", lambda bw: _replaced(bw, W_Q, W_K)),
    ("w_v replaced by w_q (the values projected with the query weight)", lambda bw: _replaced(bw, W_V, W_Q)),
    ("w_v replaced by w_k (the values projected with the key weight)", lambda bw: _replaced(bw, W_V, W_K)),
    ("w_q and w_k swapped (the queries projected with the key weight and the keys with the query weight)",
     lambda bw: _swapped(bw, W_Q, W_K)),
    ("w_v and w_o swapped", lambda bw: _swapped(bw, W_V, W_O)),
    ("w_mlp1 and w_mlp2 swapped (the MLP's matrices in the other order)", lambda bw: _swapped(bw, W_MLP1, W_MLP2)),
    ("w_v transposed", lambda bw: _transposed(bw, W_V)),
    ("w_o transposed", lambda bw: _transposed(bw, W_O)),
    ("w_mlp1 transposed", lambda bw: _transposed(bw, W_MLP1)),
    ("w_mlp2 transposed", lambda bw: _transposed(bw, W_MLP2)),
)


def weight_swap_readings(forward, inputs, expected):
    """The right output with one weight matrix used in place of another (or transposed), in every block: grouped
    across stages, so it is named only when the learner's output equals it on every stage where it changes the
    answer, and on a single stage said as what that stage measured."""
    key = "blocks_weights" if "blocks_weights" in inputs else "block_weights"
    bw = inputs.get(key)
    if type(bw) is not torch.Tensor or bw.ndim < 3 or bw.shape[-3] != 6 or bw.numel() == 0:
        return ()
    out = ()
    heads = inputs.get("num_heads")
    swaps = WEIGHT_SWAPS + (head_layout_swaps(bw.shape[-1], heads) if isinstance(heads, int) and heads > 1 else ())
    for words, change in swaps:
        changed = change(bw)
        if torch.equal(changed, bw):
            continue  # the stage switched those matrices off or made them equal: nothing to read
        try:
            got = forward(**_copy({**inputs, key: changed}))
        except Exception:
            continue
        out += observed(expected, got, f"your output equals the right one computed with {words}", "swap: " + words,
                        f"your output equals what the right model gives with {words}, on every stage where that "
                        "changes the answer", whole=True)
    return out


def head_layout_swaps(d, heads):
    """Head layouts as weight permutations: heads that take interleaved columns (head h owns h, h + H, ...) give
    exactly the right output of w_q, w_k, w_v with their columns permuted (and w_o's rows, when merged back the same
    way)."""
    if d % heads:
        return ()
    dh = d // heads
    perm = torch.tensor([j * heads + h for h in range(heads) for j in range(dh)])

    def cols(bw, which):
        out = bw.clone()
        for i in which:
            out[..., i, :, :] = bw[..., i, :, :][..., :, perm]
        return out

    def rows(bw):
        out = bw.clone()
        out[..., W_O, :, :] = bw[..., W_O, :, :][..., perm, :]
        return out

    return (("the heads split from interleaved columns (head h owning columns h, h + H, h + 2H, ...) and merged back "
             "the same way, where head h owns the consecutive columns h*d_head .. (h+1)*d_head - 1",
             lambda bw: rows(cols(bw, (W_Q, W_K, W_V)))),
            ("the heads split from interleaved columns (head h owning columns h, h + H, h + 2H, ...) but merged back "
             "consecutively", lambda bw: cols(bw, (W_Q, W_K, W_V))),
            ("the heads split right but merged back interleaved (d_head before num_heads: head h's outputs land in "
             "columns h, h + H, ...)", rows),
            ("the keys and values split into heads from interleaved columns (head h owning columns h, h + H, ...), "
             "while the queries are split right and the heads merged back right", lambda bw: cols(bw, (W_K, W_V))),
            ("the queries and keys split into heads from interleaved columns (head h owning columns h, h + H, ...), "
             "while the values are split right and the heads merged back right", lambda bw: cols(bw, (W_Q, W_K))))


def mlp_order_readings(inputs, expected):
    """Only the MLP on (w_o = 0): the block's output when the GELU sits elsewhere in the MLP branch."""
    M = _model()
    x, bw = inputs["x"], inputs["block_weights"]
    h, w1, w2 = M.layer_norm(x), bw[W_MLP1], bw[W_MLP2]
    return (observed(expected, x + M.gelu(h) @ w1 @ w2, "with only its MLP on, your block returns "
                     "x + gelu(layer_norm(x)) @ w_mlp1 @ w_mlp2: the GELU is applied before the first matrix product "
                     "instead of between the two")
            + observed(expected, x + h @ w1 @ w2, "with only its MLP on, your block returns "
                       "x + layer_norm(x) @ w_mlp1 @ w_mlp2: no GELU is applied"))


def _model():
    from grader.course import sibling
    return sibling(__file__, "_model")


def _other_ways():
    """The right model computed another way inside a stage (reference/_other_ways.py)."""
    from grader.course import sibling
    return sibling(__file__, "_other_ways")


FEWER_BLOCKS = "one block fewer"


def block_short_readings(forward, inputs, expected):
    """With n >= 1 blocks: the right output with the last block left out (grouped across stages: a model that
    runs one block fewer than it is given shows it on every stage with a block)."""
    bw = inputs.get("blocks_weights")
    if type(bw) is not torch.Tensor or bw.ndim != 4 or bw.shape[0] < 1:
        return ()
    n = bw.shape[0]
    got = forward(**_copy({**inputs, "blocks_weights": bw[:-1]}))
    seen = (f"with {n} block(s), your output equals the right output with the last block left out "
            f"({n - 1} block(s))")
    return observed(expected, got, seen, FEWER_BLOCKS,
                    "your model runs one block fewer than it is given: with one block it returns the right output "
                    "for no blocks, with two the right output for the first block alone (the last block is never run)",
                    alone=False, whole=True)  # one stage alone: blocks that each read the embeddings, or a block adding zero


ANOTHER_EMBEDDING = "embedding and head alone, another embedding"
SINGLE = ("with a single position attention must return that position's own value, and yours does not: the "
          "value path (w_v, splitting or merging the heads, w_o), the layer norm before attention, or how attention's "
          "output is added back to the stream is wrong")
FIRST_CHANGE = "one block with only its MLP, identity MLP weights"  # the first stage in which a block changes x
CHAINING = ("each sublayer is right alone but not together in one block: how they are chained (attention first, "
            "then the MLP, whose layer norm reads the stream attention has UPDATED; each adds to the stream)")
STACKING = ("stacking blocks is wrong: each block must read the previous block's output as it is (the loop over "
            "blocks_weights; nothing applied between blocks, e.g. a final layer norm only after the last)")
INDEXING = "the blocks' weights are indexed wrongly (the same block used for every layer, or the blocks in the wrong order)"


def another_embedding(base, wrong_means, zero_blocks, zero_pos):
    """The embedding-and-head stage again with token v's embedding row scaled by s_v (0.5 to 2):
    a tied head's logit column v scales with it; a head that does not read this call's w_emb
    (a copy kept from an earlier call) or scales by the embedding's size does not follow."""
    w_emb = base["w_emb"]
    scales = torch.linspace(0.5, 2.0, w_emb.shape[0], dtype=w_emb.dtype)[:, None]
    return (ANOTHER_EMBEDDING, "no blocks, pos_embed = 0, and w_emb's row v multiplied by s_v (from 0.5 to 2)",
            wrong_means, "logits = ... @ w_emb.T with the w_emb of this very call, nothing kept, no scale.",
            {"blocks_weights": zero_blocks, "pos_embed": zero_pos, "w_emb": w_emb * scales})


# For each stage, the stage whose expected output it must differ from to show anything: the part it
# switches on has to change the answer (tokens, in generate, often do not move).
BASELINES = {"embedding, positions and head": "embedding and head alone",
             ANOTHER_EMBEDDING: "embedding and head alone",
             "one block with both sublayers switched off": None,
             "two identical blocks": None, "two different blocks": "two identical blocks"}
BLOCK_BASELINE = "one block with both sublayers switched off"


def mark_informative(stages, baselines):
    by_name = {s.name: s for s in stages}
    out = []
    for s in stages:
        default = BLOCK_BASELINE if s.name.startswith(("one block", "the same")) and "one position" not in s.name \
            else None
        base_name = baselines.get(s.name, default)
        base = by_name.get(base_name) if base_name and base_name != s.name else None
        informative = base is None or not _same(base.expected, s.expected)
        out.append(Stage(**{**s.__dict__, "informative": informative}))
    return out


def _same(a, b):
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor) or a.shape != b.shape:
        return False
    return bool((a == b).all()) if not a.is_floating_point() else bool(torch.allclose(a, b, atol=1e-4, rtol=1e-4))


def _copy(inputs):
    return {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in inputs.items()}
