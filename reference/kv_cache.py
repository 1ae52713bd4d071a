"""Hidden reference for kv-cache: one decode step, its cases, known mistakes, and the
data the public judge (problems/kv-cache/judge.py) compares with.

A case either decodes a whole sequence (the probe calls the learner's step for index 0,
1, ..., T-1, the call at index t with the reference's own cache for positions < t, which
the case carries as `reference_cache`), or, when the case carries a `cache`, runs the
learner's step once on a cache the reference filled for positions < index (so a step
that keeps hidden state between calls fails). Either way every call's expected logits and
writes are fixed in advance (`expected(case)`), so a learner's bundle can check it. The
probe also counts the FLOPs of every call: a step that recomputes the prefix gives the
right logits but fails on work.
"""

import math

import functools

import torch

from grader.cases import Case, generator, model_weights, randint
from grader.course import sibling
from grader.judge import public_module
from grader.mistakes import Mistake

M = sibling(__file__, "_model")


def _public():
    """The public judge (problems/kv-cache/judge.py): which cache each step gets. Loaded on
    use, so that this file also runs alone, as a learner's file (`grader validate`)."""
    return public_module(__file__, "kv-cache")


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    return M.causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)


# --------------------------------------------------------------------------- cases
def zero_cache(blocks_weights, N, num_heads, max_len):
    num_blocks, d = blocks_weights.shape[0], blocks_weights.shape[-1]
    return torch.zeros(num_blocks, 2, N, num_heads, max_len, d // num_heads, dtype=blocks_weights.dtype)


def _model_inputs(seed, name, *, N, T, max_len, d, num_heads, num_blocks, vocab, pos_rows=None,
                  dtype=torch.float32, shared_prefix=False):
    g = generator(seed, name)
    weights = model_weights(g, vocab, d, pos_rows or max_len, num_blocks, dtype=dtype)
    ids = randint(g, vocab, N, T)
    if shared_prefix:  # row 1 is row 0 with one token changed: rows must not see each other
        ids[1] = ids[0]
        ids[1, T // 2] = (ids[0, T // 2] + 1) % vocab
    return {"input_ids": ids, "max_len": max_len, **weights, "num_heads": num_heads}


def filled_cache(inputs, steps):
    """The reference's cache after its steps at index 0 .. steps - 1, from a zero cache."""
    cache = zero_cache(inputs["blocks_weights"], inputs["input_ids"].shape[0], inputs["num_heads"], inputs["max_len"])
    for t in range(steps):
        _, cache = causal_lm_step(inputs["input_ids"][:, t], t, cache, inputs["w_emb"], inputs["pos_embed"],
                                  inputs["blocks_weights"], inputs["num_heads"])
    return cache


def _decode_case(seed, name, about, *, T, **shape):
    """A step at every index 0 .. T-1, each on the reference's cache for the positions before it."""
    inputs = _model_inputs(seed, name, T=T, **shape)
    return Case(name, {**inputs, "reference_cache": filled_cache(inputs, T)}, about)


LARGE_SCORE = 200.0  # exp(88.7) overflows float32: a softmax without the row maximum subtracted gives NaN


def _large_scores_case(seed, name, about, *, T, **shape):
    """A decode whose first block's largest causal score is LARGE_SCORE: every block's w_q and w_k
    scaled by one factor (scores grow as its square), so every seed overflows an unstabilised
    softmax while the right logits stay finite."""
    inputs = _model_inputs(seed, name, T=T, **shape)
    weights = inputs["blocks_weights"].double()
    h = M.layer_norm(M.embed(inputs["input_ids"], inputs["w_emb"].double(), inputs["pos_embed"].double()))
    q, k = (M.split_heads(h @ weights[0, i], inputs["num_heads"]) for i in (0, 1))
    scores = (q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])).masked_fill(~torch.ones(T, T).tril().bool(), -math.inf)
    weights[:, 0:2] *= math.sqrt(LARGE_SCORE / float(scores.amax()))
    inputs = {**inputs, "blocks_weights": weights.to(inputs["blocks_weights"].dtype)}
    # float32 rounds a score of 200 by ~1e-5 and the softmax passes that on: a looser tolerance
    return Case(name, {**inputs, "reference_cache": filled_cache(inputs, T)}, about, tolerance=(1e-3, 1e-3))


def _prefilled_case(seed, name, about, *, index, **shape):
    """The reference fills positions < index; the learner's step runs once, at index."""
    inputs = _model_inputs(seed, name, T=index + 1, **shape)
    return Case(name, {**inputs, "cache": filled_cache(inputs, index)}, about)


# Two sequences in turns (A: input_ids / reference_cache; B: other_ids / other_cache): rows are
# (index, tokens from, cache from), 0 for A and 1 for B. B's step at index 3 comes right after A's
# steps 0..2, so a step that keeps the tokens it saw gives A's prefix there; some steps get one
# sequence's token on the other's cache, a cache they never wrote.
SCHEDULE = [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 1, 1], [3, 0, 0], [4, 0, 1], [0, 1, 1], [1, 1, 1], [2, 0, 0],
            [5, 1, 0], [5, 0, 0], [4, 1, 1]]


def _interleaved_case(seed, name, about, *, T, **shape):
    inputs = _model_inputs(seed, name, T=T, **shape)
    g = generator(seed, name + "/other")
    other = dict(inputs, input_ids=randint(g, inputs["w_emb"].shape[0], *inputs["input_ids"].shape))
    schedule = torch.tensor(SCHEDULE, dtype=torch.int64)
    assert int(schedule[:, 0].max()) < T
    return Case(name, {**inputs, "reference_cache": filled_cache(inputs, T), "other_ids": other["input_ids"],
                       "other_cache": filled_cache(other, T), "schedule": schedule}, about)


def cases(seed: int) -> list[Case]:
    return [
        _decode_case(seed, "decode 12 steps (N=3, 2 blocks)", "index 0..11 from a zero cache; 11 is max_len - 1",
                     N=3, T=12, max_len=12, pos_rows=16, d=32, num_heads=4, num_blocks=2, vocab=40),
        _decode_case(seed, "rows share a prefix", "row 1 differs from row 0 in one token: rows must not mix",
                     N=2, T=8, max_len=10, d=24, num_heads=3, num_blocks=2, vocab=30, shared_prefix=True),
        _prefilled_case(seed, "cache filled by the reference, step at index 7",
                        "your step runs once, on a cache it did not write: it must read the past from the cache",
                        N=2, index=7, max_len=10, pos_rows=12, d=32, num_heads=4, num_blocks=2, vocab=40),
        _prefilled_case(seed, "cache filled by the reference, index = max_len - 1", "the last slot of the cache",
                        N=3, index=8, max_len=9, d=16, num_heads=2, num_blocks=1, vocab=25),
        _decode_case(seed, "edge: num_blocks = 0", "embedding + position, final layer norm, tied head",
                     N=2, T=5, max_len=6, d=16, num_heads=2, num_blocks=0, vocab=20),
        _decode_case(seed, "edge: N = 1", "one sequence", N=1, T=6, max_len=8, d=16, num_heads=2, num_blocks=1,
                     vocab=20),
        _decode_case(seed, "edge: T = 1", "a single step at index 0", N=2, T=1, max_len=4, d=16, num_heads=4,
                     num_blocks=2, vocab=20),
        _decode_case(seed, "8 heads of size 4", "d_head = 4", N=2, T=7, max_len=7, pos_rows=9, d=32, num_heads=8,
                     num_blocks=1, vocab=30),
        _large_scores_case(seed, "large attention scores (up to 200)", "w_q and w_k scaled up: exp overflows float32 "
                           "unless the row maximum is subtracted (torch.softmax does)", N=2, T=8, max_len=8, d=16,
                           num_heads=2, num_blocks=2, vocab=20),
        _decode_case(seed, "float64", "keep the dtype; tight tolerance", N=2, T=8, max_len=10, d=24, num_heads=3,
                     num_blocks=2, vocab=30, dtype=torch.float64),
        _interleaved_case(seed, "two sequences in turns, caches swapped", "12 calls over two sequences, some on "
                          "the other sequence's cache: a step's logits follow its arguments alone",
                          N=2, T=6, max_len=8, d=24, num_heads=3, num_blocks=2, vocab=30),
    ]


# --------------------------------------------------------------------------- driving a step
def drive(step, input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads, cache=None, reference_cache=None,
          **scheduled):
    """What the probe does, in plain code: the logits (N, calls, V) of a step at every position,
    each on the reference's cache for the positions before it (or at every call of a
    `schedule`, with `other_ids` and `other_cache`), or, given a filled cache, of one step
    at the last index."""
    inputs = {"input_ids": input_ids, "max_len": max_len, "reference_cache": reference_cache, **scheduled}
    if cache is not None:
        inputs = {**inputs, "cache": cache}
    J, out = _public(), []
    chained = cache is None and reference_cache is None  # the ablation stages: the step's own caches
    running = torch.zeros(blocks_weights.shape[0], 2, input_ids.shape[0], num_heads, max_len,
                          w_emb.shape[1] // num_heads, dtype=w_emb.dtype) if chained else None
    for call in J.step_calls(inputs):
        t = call[0]
        given = running if chained else J.cache_before(inputs, call).clone()
        logits, written = step(inputs[call[1]][:, t], t, given, w_emb, pos_embed, blocks_weights, num_heads)
        running = written if chained else running
        out.append(logits)
    return out[0] if cache is not None else torch.stack(out, dim=1)


# --------------------------------------------------------------------------- what the public judge compares with
def expected(case):
    """Per step index: the reference's logits and the keys and values it writes there, on
    the cache the probe hands that step."""
    inputs = case.pristine_inputs()
    args = (inputs["w_emb"], inputs["pos_embed"], inputs["blocks_weights"], inputs["num_heads"])
    J, logits, written = _public(), [], []
    for call in J.step_calls(inputs):
        t = call[0]
        step_logits, cache = causal_lm_step(inputs[call[1]][:, t], t, J.cache_before(inputs, call).clone(), *args)
        logits.append(step_logits)
        written.append(cache[:, :, :, :, t])
    return {"logits": torch.stack(logits, dim=1), "written": torch.stack(written)}


# --------------------------------------------------------------------------- known mistakes
def _variant_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads, *, write_at=0,
                  position=None, all_slots=False, ln_f=True, d_model_scale=False, include_self=True,
                  stable=True, read_block=None, read_before_write=False, kv_from_stream=False):
    """The reference step with one realistic error switched on. (A step that never writes
    the cache gives the right logits on the reference's cache: the public judge names it.)"""
    out_cache = cache.clone()
    pos = index if position is None else position
    x = (w_emb[token_ids] + pos_embed[pos])[:, None, :]  # (N, 1, d)
    d = x.shape[-1]
    for i, (w_q, w_k, w_v, w_o, w_mlp1, w_mlp2) in enumerate(blocks_weights):
        h = M.layer_norm(x)
        q, k, v = (M.split_heads((x if kv_from_stream and w is not w_q else h) @ w, num_heads)
                   for w in (w_q, w_k, w_v))  # (N, h, 1, d_head)
        slot = index + write_at
        stop = out_cache.shape[4] if all_slots else slot + (1 if include_self else 0)
        read = i if read_block is None else read_block
        if read_before_write:
            keys, values = out_cache[read, 0, :, :, :stop].clone(), out_cache[read, 1, :, :, :stop].clone()
        out_cache[i, 0, :, :, slot] = k[:, :, 0]
        out_cache[i, 1, :, :, slot] = v[:, :, 0]
        if not read_before_write:
            keys, values = out_cache[read, 0, :, :, :stop], out_cache[read, 1, :, :, :stop]
        scores = q @ keys.transpose(-2, -1) / math.sqrt(d if d_model_scale else q.shape[-1])
        if stable:
            weights = torch.softmax(scores, dim=-1)
        else:
            e = torch.exp(scores)  # overflows float32 for a score above ~88.7: inf / inf is NaN
            weights = e / e.sum(dim=-1, keepdim=True)
        x = x + M.merge_heads(weights @ values) @ w_o
        x = x + M.gelu(M.layer_norm(x) @ w_mlp1) @ w_mlp2
    if ln_f:
        x = M.layer_norm(x)
    return (x @ w_emb.T)[:, 0], out_cache


def _mistake(**switches):
    def step(*args):
        return _variant_step(*args, **switches)

    def fn(**inputs):
        return drive(step, **inputs)

    return fn


MISTAKES = [
    Mistake("cache written at index + 1", _mistake(write_at=1),
            "The step stores this token's keys and values at position index + 1 (and attends up to there), so slot 0 "
            "stays zero and is attended to as if it were a token; at index = max_len - 1 it writes past the end.",
            "Position t's keys go in cache[..., t, :]: the token at `index` is written at `index`."),
    Mistake("position embedding of position 0", _mistake(position=0),
            "Every new token gets pos_embed[0] (for example by embedding the single token with the full-sequence "
            "code, which adds pos_embed[:T] with T = 1), as if each step were the start of the sequence.",
            "The new token sits at position `index`: add pos_embed[index]."),
    Mistake("attends to every cache slot", _mistake(all_slots=True),
            "Attention runs over all max_len slots of the cache, including the zero slots after `index` that "
            "hold no token yet; a zero key still gets weight exp(0).",
            "Attend over cache[..., :index + 1, :] only: the positions written so far, this one included."),
    Mistake("final layer norm missing", _mistake(ln_f=False),
            "The hidden state goes to the tied head without the final layer norm (ln_f).",
            "Apply layer norm to x after the last block, then multiply by w_emb.T."),
    Mistake("scaled by sqrt(d_model)", _mistake(d_model_scale=True),
            "Attention scores are divided by sqrt(d_model) instead of sqrt(d_head).",
            "Each head's scores are q k^T / sqrt(d_head), with d_head = d_model // num_heads."),
    Mistake("softmax without the row maximum subtracted", _mistake(stable=False),
            "The softmax was written as exp(scores) / exp(scores).sum(): exp overflows to inf once a score passes "
            "about 88 in float32, and inf / inf is NaN. The right answer is finite: softmax(s) = softmax(s - max).",
            "Use torch.softmax(scores, dim=-1), or subtract scores.amax(dim=-1, keepdim=True) before exp."),
    Mistake("current position left out of attention", _mistake(include_self=False),
            "The step attends over cache[..., :index, :], the earlier positions only; a token must also attend "
            "to itself (at index 0 there is nothing to attend to at all).",
            "Slice up to index + 1 after writing this position."),
]


# --------------------------------------------------------------------------- ablation (grader/evidence/ablation.py)
WORDS = {"head": "with no blocks and no positions each step's logits are layer_norm(w_emb[token]) @ w_emb.T, and "
                 "yours differ: the token's embedding, the final layer norm or the tied head is wrong",
         "positions": "the position added at each step is wrong: the token at `index` gets pos_embed[index]",
         "causal": "attention over the cache is wrong: with all scores equal, step i must average the values of "
                   "steps 0..i, so the slots written or read are not the right ones (write position `index`, "
                   "attend over cache[..., :index + 1, :])",
         "stacking": "two identical blocks decode wrongly while one block is right: each block must read the "
                     "previous block's output as it is (nothing applied between blocks), and block i must write its keys and values into its own slot "
                     "cache[i] and attend over that slot (not block 0's, not the last block's)",
         "indexing": "two different blocks decode wrongly while two identical ones are right: block i must use "
                     "blocks_weights[i] and its own cache slot cache[i] (not another block's weights or slot)",
         "single": "with a single position (index 0, max_len 1) attention must return that position's own value, and "
                   "yours does not: the value path (w_v, splitting or merging the heads, w_o), the layer norm before "
                   "attention, how attention's output is added back to the stream, or the step does not attend to "
                   "the position it has just written"}


def _decoded_logits(input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads):
    return drive(causal_lm_step, input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads)


# The step reading the cache another way, on a stage's inputs: grouped readings (reference/_ablate.py), named only
# when the learner's logits equal one on every stage where it changes the answer.
CACHE_WAYS = (("every block attending over block 0's cached keys and values (cache[0]) instead of its own slot "
               "cache[i]", {"read_block": 0}),
              ("the keys and values read from the cache BEFORE this step's own are written into it (the new position "
               "attends to an empty slot, a zero key and value, instead of to itself)", {"read_before_write": True}),
              ("the keys and values projected from the stream x itself, not from layer_norm(x) (the queries from "
               "layer_norm(x))", {"kv_from_stream": True}))


def _cache_readings(name, inputs, expected):
    ab = sibling(__file__, "_ablate")
    found = ()
    for words, switch in CACHE_WAYS:
        try:
            got = drive(lambda *a: _variant_step(*a, **switch), **inputs)
        except Exception:
            continue
        found += ab.observed(expected, got, f"your logits equal the right step's with {words}", "cache: " + words,
                             f"your logits equal what the right step gives with {words}, on every stage of the "
                             "experiment where that changes the answer", alone=False, whole=True)
    return found


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """Decoding with parts of the model switched off through its weights, through the problem's own
    probe (every position from a zero cache); the expected logits are the full forward's."""
    g = generator(seed, "ablation")
    base = {"input_ids": randint(g, 20, 2, 6), "max_len": 7, **model_weights(g, 20, 16, 7, 2),
            "num_heads": 4}
    base["blocks_weights"] = base["blocks_weights"] * 1.5
    return sibling(__file__, "_ablate").lm_stages(seed, base, _decoded_logits, MISTAKES, causal=True, words=WORDS, final_norm=True,
                                                  one_position=lambda b: {"input_ids": b["input_ids"][:, :1], "max_len": 1},
                                                  extra_readings=_cache_readings)
