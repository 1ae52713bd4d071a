"""Hidden reference for kv-cache: one decode step, its cases, known mistakes and the judge.

A case either decodes a whole sequence from a zero cache (the probe calls the learner's
step for index 0, 1, ..., T-1, each time with the cache it returned), or, when the case
carries a `cache`, runs the learner's step once on a cache the reference filled for
positions < index (so a step that keeps hidden state between calls fails). The probe
also counts the FLOPs of every call with FlopCounterMode: a step that recomputes the
prefix gives the right logits but fails on work.
"""

import math

import functools

import torch

from grader.cases import Case, generator, model_weights, randint
from grader.compare import Comparison, compare_tensors
from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")

FLOP_FACTOR = 2.0  # a step may do up to this multiple of a cached step's matmul work


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    return M.causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)


# --------------------------------------------------------------------------- cases
def zero_cache(blocks_weights, N, num_heads, max_len):
    num_blocks, d = blocks_weights.shape[0], blocks_weights.shape[-1]
    return torch.zeros(num_blocks, 2, N, num_heads, max_len, d // num_heads, dtype=blocks_weights.dtype)


def _decode_case(seed, name, about, *, N, T, max_len, d, num_heads, num_blocks, vocab, pos_rows=None,
                 dtype=torch.float32, shared_prefix=False):
    g = generator(seed, name)
    weights = model_weights(g, vocab, d, pos_rows or max_len, num_blocks, dtype=dtype)
    ids = randint(g, vocab, N, T)
    if shared_prefix:  # row 1 is row 0 with one token changed: rows must not see each other
        ids[1] = ids[0]
        ids[1, T // 2] = (ids[0, T // 2] + 1) % vocab
    return Case(name, {"input_ids": ids, "max_len": max_len, **weights, "num_heads": num_heads}, about)


def _prefilled_case(seed, name, about, *, N, index, max_len, d, num_heads, num_blocks, vocab, pos_rows=None,
                    dtype=torch.float32):
    """The reference fills positions < index; the learner's step runs once, at index."""
    case = _decode_case(seed, name, about, N=N, T=index + 1, max_len=max_len, d=d, num_heads=num_heads,
                        num_blocks=num_blocks, vocab=vocab, pos_rows=pos_rows, dtype=dtype)
    inp = case.inputs
    cache = zero_cache(inp["blocks_weights"], N, num_heads, max_len)
    for t in range(index):
        _, cache = causal_lm_step(inp["input_ids"][:, t], t, cache, inp["w_emb"], inp["pos_embed"],
                                  inp["blocks_weights"], num_heads)
    inp["cache"] = cache
    return case


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
        _decode_case(seed, "float64", "keep the dtype; tight tolerance", N=2, T=8, max_len=10, d=24, num_heads=3,
                     num_blocks=2, vocab=30, dtype=torch.float64),
    ]


# --------------------------------------------------------------------------- driving a step
def drive(step, input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads, cache=None):
    """What the probe does, in plain code: decode every position from a zero cache and
    stack the logits (N, T, V), or, given a filled cache, one step at the last index."""
    if cache is not None:
        index = input_ids.shape[1] - 1
        logits, _ = step(input_ids[:, index], index, cache.clone(), w_emb, pos_embed, blocks_weights, num_heads)
        return logits
    cache = zero_cache(blocks_weights, input_ids.shape[0], num_heads, max_len)
    out = []
    for t in range(input_ids.shape[1]):
        logits, cache = step(input_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
        out.append(logits)
    return torch.stack(out, dim=1)


def cached_flops(N, d, num_blocks, vocab, n_keys):
    """Matmul FLOPs of a step that projects only the new token: q, k, v, o and the two
    MLP matmuls (12 N d^2 per block), attention over n_keys keys (4 N d n_keys per block),
    and the tied head (2 N d V)."""
    return num_blocks * (12 * N * d * d + 4 * N * d * n_keys) + 2 * N * d * vocab


def recompute_flops(N, d, num_blocks, vocab, t):
    """A full forward over positions 0..t."""
    n = t + 1
    return num_blocks * (12 * N * n * d * d + 4 * N * d * n * n) + 2 * N * n * d * vocab


# --------------------------------------------------------------------------- judge
def _where(index) -> str:
    b, kv, n, h, p = index[:5]
    return f"block {b}, {'keys' if kv == 0 else 'values'}, row {n}, head {h}, position {p}"


def check_cache(before, after, expected_written, index, tol, when) -> Comparison:
    """`after` must equal `before` everywhere except position `index`, which must hold
    `expected_written` (the keys and values this step computes)."""
    label = f"the cache returned {when}"
    if type(after) is not torch.Tensor or after.dtype != before.dtype or after.shape != before.shape:
        return compare_tensors(before, after, *tol, label=label)
    if after.numel() == 0:
        return Comparison(True, "")
    atol, rtol = tol
    expected = before.clone()
    expected[:, :, :, :, index] = expected_written
    bad = (after.double() - expected.double()).abs() > atol + rtol * expected.double().abs()
    bad |= torch.isnan(after)
    if not bad.any():
        return Comparison(True, "")
    here = after[:, :, :, :, index]
    unwritten = torch.equal(here, before[:, :, :, :, index])
    others = bad.clone()
    others[:, :, :, :, index] = False
    if others.any():
        first = tuple(int(i) for i in others.nonzero()[0])
        msg = (f"{label} changed position {first[4]} ({_where(first)}), but a step may write only position {index}"
               + (f"; position {index} itself was not written" if unwritten else ""))
        return Comparison(False, msg, details={"position": first[4], "index": index})
    if unwritten:
        return Comparison(False, f"{label} is unchanged at position {index}: the step must write this token's keys "
                          "and values there and return the cache it wrote", details={"position": index, "index": index})
    first = tuple(int(i) for i in bad.nonzero()[0])
    e, a = float(expected[first]), float(after[first])
    msg = f"{label} holds wrong {'keys' if first[1] == 0 else 'values'} at position {index} " \
          f"({_where(first)}; expected {e:.6g}, got {a:.6g})"
    if first[0] == 0:
        msg += ": write each block's k = LN(x) @ w_k and v = LN(x) @ w_v for this token, split into heads as " \
               "(num_heads, d_head)"
    else:  # the earlier blocks wrote the right k, v: block first[0] got a wrong input
        msg += f"; the blocks before it wrote the right ones, so block {first[0] - 1}'s output (its attention or " \
               "MLP) is what differs"
    return Comparison(False, msg, details={"position": index, "index": index})


def check_flops(inputs, flops, indices, tol_factor=FLOP_FACTOR) -> Comparison:
    w_emb, bw = inputs["w_emb"], inputs["blocks_weights"]
    N, vocab, d, num_blocks = inputs["input_ids"].shape[0], w_emb.shape[0], w_emb.shape[1], bw.shape[0]
    max_len = inputs["max_len"]
    if not isinstance(flops, list) or len(flops) != len(indices):
        return Comparison(False, "the FLOP count of your steps was not recorded")
    # Attending over every cache slot (masked) is allowed: the budget counts max_len keys.
    budget = tol_factor * cached_flops(N, d, num_blocks, vocab, max_len)
    for t, f in zip(indices, flops):
        if not isinstance(f, (int, float)) or f > budget:
            need = cached_flops(N, d, num_blocks, vocab, t + 1)
            redo = recompute_flops(N, d, num_blocks, vocab, t)
            last, f_last = indices[-1], flops[-1]
            later = ""
            if last != t and isinstance(f_last, (int, float)):
                later = f"; at index {last} it did {f_last:,.0f} against a cached " \
                        f"{cached_flops(N, d, num_blocks, vocab, last + 1):,}"
            return Comparison(False, f"the step at index {t} did {f:,.0f} FLOPs in matrix multiplies, {f / need:.1f}x "
                              f"what a cached step needs ({need:,}; the budget is {budget:,.0f}), "
                              + ("about what " if 0.7 * redo <= f <= 1.5 * redo else "while ")
                              + f"recomputing the whole prefix costs {redo:,}{later}. Your step does work for earlier "
                              "positions: project only the new token and read the earlier keys and values from "
                              "the cache", details={"index": t, "flops": f, "cached_flops": need, "budget": budget})
    return Comparison(True, "")


def judge(case, value, tol):
    """what each step must write is recomputed by the reference from the cache your own
    previous step returned, so it exists only once your code has run and cannot be shipped in
    advance.
    """
    inputs = case.pristine_inputs()
    if "error" in value:
        return Comparison(False, str(value["error"]))
    ids, H = inputs["input_ids"], inputs["num_heads"]
    args = (inputs["w_emb"], inputs["pos_embed"], inputs["blocks_weights"])
    full = M.causal_lm_forward(ids, *args, H)  # (N, T, V): the logits a step must reproduce
    verdicts = []
    if "cache" in inputs:  # one step on a cache the reference filled
        index = ids.shape[1] - 1
        before = inputs["cache"]
        logits = compare_tensors(full[:, index], value.get("output"), *tol, label=f"logits at index {index}")
        if not logits.passed:
            logits.message += (" (here your step runs once, on a cache a correct implementation filled: if the "
                               "decode cases pass, your step does not take the past from the cache it is given)")
        verdicts.append(logits)
        _, ref_cache = causal_lm_step(ids[:, index], index, before.clone(), *args, H)
        verdicts.append(check_cache(before, value.get("cache"), ref_cache[:, :, :, :, index], index, tol,
                                    f"by the step at index {index}"))
        indices = [index]
    else:
        T = ids.shape[1]
        steps = value.get("logits") or []
        caches = value.get("caches") or []
        logits = Comparison(True, "", 0.0)
        for t in range(T):
            got = steps[t] if t < len(steps) else None
            c = compare_tensors(full[:, t], got, *tol, label=f"logits at index {t}")
            if not c.passed:
                logits = c
                break
            logits.max_abs_error = max(logits.max_abs_error, c.max_abs_error or 0.0)
        cache_verdict = Comparison(True, "")
        before = zero_cache(inputs["blocks_weights"], ids.shape[0], H, inputs["max_len"])
        for t in range(min(T, len(caches))):
            after = caches[t]
            # What this step should write, given the cache it was actually handed.
            _, ref_cache = causal_lm_step(ids[:, t], t, before.clone(), *args, H)
            c = check_cache(before, after, ref_cache[:, :, :, :, t], t, tol, f"by the step at index {t}")
            if not c.passed:
                cache_verdict = c
                break
            before = after
        if not logits.passed and not cache_verdict.passed:
            logits.message += f"; also, {cache_verdict.message}"
        verdicts += [logits, cache_verdict]
        indices = list(range(T))
    verdicts.append(check_flops(inputs, value.get("flops"), indices))
    # An edited input explains every other failure: say it first.
    unchanged = _inputs_unchanged(inputs, value.get("inputs_after") or {})
    return verdicts if unchanged.passed else [unchanged] + verdicts


def _inputs_unchanged(inputs, after) -> Comparison:
    for name in ("input_ids", "w_emb", "pos_embed", "blocks_weights"):
        now = after.get(name)
        if now is None:
            continue
        if type(now) is not torch.Tensor or now.shape != inputs[name].shape or not torch.equal(now, inputs[name]):
            return Comparison(False, f"your step changed its input `{name}` in place; only the cache may be written")
    return Comparison(True, "")


# --------------------------------------------------------------------------- known mistakes
def _variant_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads, *, write_at=0,
                  position=None, all_slots=False, ln_f=True, d_model_scale=False, write=True, include_self=True):
    """The reference step with one realistic error switched on."""
    out_cache = cache.clone() if write else cache
    pos = index if position is None else position
    x = (w_emb[token_ids] + pos_embed[pos])[:, None, :]  # (N, 1, d)
    d = x.shape[-1]
    for i, (w_q, w_k, w_v, w_o, w_mlp1, w_mlp2) in enumerate(blocks_weights):
        h = M.layer_norm(x)
        q, k, v = (M.split_heads(h @ w, num_heads) for w in (w_q, w_k, w_v))  # (N, h, 1, d_head)
        slot = index + write_at
        if write:
            out_cache[i, 0, :, :, slot] = k[:, :, 0]
            out_cache[i, 1, :, :, slot] = v[:, :, 0]
            stop = out_cache.shape[4] if all_slots else slot + (1 if include_self else 0)
            keys, values = out_cache[i, 0, :, :, :stop], out_cache[i, 1, :, :, :stop]
        else:  # attends correctly to itself, but never stores k, v
            keys = torch.cat([cache[i, 0, :, :, :index], k], dim=2)
            values = torch.cat([cache[i, 1, :, :, :index], v], dim=2)
        scores = q @ keys.transpose(-2, -1) / math.sqrt(d if d_model_scale else q.shape[-1])
        x = x + M.merge_heads(torch.softmax(scores, dim=-1) @ values) @ w_o
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
    Mistake("cache never written", _mistake(write=False),
            "The step attends to its own key and value but does not store them, and returns the cache it was "
            "given unchanged, so the next step sees zeros where the past should be.",
            "Write k and v into cache[i, 0] and cache[i, 1] at position index, and return that cache."),
    Mistake("current position left out of attention", _mistake(include_self=False),
            "The step attends over cache[..., :index, :], the earlier positions only; a token must also attend "
            "to itself (at index 0 there is nothing to attend to at all).",
            "Slice up to index + 1 after writing this position."),
]


# --------------------------------------------------------------------------- ablation (grader/ablation.py)
WORDS = {"head": "with no blocks and no positions each step's logits are layer_norm(w_emb[token]) @ w_emb.T, and "
                 "yours differ: the token's embedding, the final layer norm or the tied head is wrong",
         "positions": "the position added at each step is wrong: the token at `index` gets pos_embed[index]",
         "causal": "attention over the cache is wrong: with all scores equal, step i must average the values of "
                   "steps 0..i, so the slots written or read are not the right ones (write position `index`, "
                   "attend over cache[..., :index + 1, :])",
         "single": "with a single position (index 0, max_len 1) attention must return that position's own value, and "
                   "yours does not: the value path (w_v, splitting or merging the heads, w_o), or the step does not "
                   "attend to the position it has just written"}


def _decoded_logits(input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads):
    return drive(causal_lm_step, input_ids, max_len, w_emb, pos_embed, blocks_weights, num_heads)


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """Decoding with parts of the model switched off through its weights, through the problem's own
    probe (every position from a zero cache); the expected logits are the full forward's."""
    g = generator(seed, "ablation")
    base = {"input_ids": randint(g, 20, 2, 6), "max_len": 7, **model_weights(g, 20, 16, 7, 2),
            "num_heads": 4}
    base["blocks_weights"] = base["blocks_weights"] * 1.5
    return sibling(__file__, "_ablate").lm_stages(seed, base, _decoded_logits, MISTAKES, causal=True, words=WORDS,
                                                  one_position=lambda b: {"input_ids": b["input_ids"][:, :1], "max_len": 1})
