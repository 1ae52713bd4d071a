"""Public judge for kv-cache (runs in the grader's process, not the sandbox; shipped in the
learner's bundle). Every call of the learner's step is handed a cache a correct
implementation filled: a decode case carries the reference's cache after all its steps
(`reference_cache`), and the step at index t gets it with positions >= t zeroed; a
filled-cache case carries the cache for positions < index (`cache`) and runs one step.
So what each step must return is fixed in advance: `expected` holds the reference's
logits at each step's index (`logits`, (N, steps, V)) and the keys and values it writes
there (`written`, (steps, num_blocks, 2, N, num_heads, d_head)). An interleaved case
carries a `schedule` of calls over two sequences (A: `input_ids`, `reference_cache`; B:
`other_ids`, `other_cache`), so what a step returns must follow its arguments alone. The
work of each call is checked from what problems/kv-cache/probe.py counted: the FLOPs of
matrix products, and everything the step computes, whatever the ops are named.
"""

import torch

from grader.compare import UNCHANGED_INPUTS, Comparison, compare_tensors

FLOP_FACTOR = 2.0  # a step may do up to this multiple of a cached step's matmul work
# All the work a step computes (problems/kv-cache/probe.py counts every op: products their
# FLOPs, other ops the elements they read or write, views nothing) may be up to WORK_FACTOR
# times a cached step's matmul FLOPs plus CACHE_PASSES passes over the whole cache (a copy,
# a cast to float64 and back, attention masked over every slot) and WEIGHT_PASSES over the
# weights (a cast, a transposed copy of the head). Correct steps in several
# styles measure 1.1-1.4x the FLOPs alone (benchmarks/kv_work_margins.py); redoing the prefix
# by broadcast products or loops crosses the budget within a few indices.
WORK_FACTOR = 2.0
CACHE_PASSES = 4
WEIGHT_PASSES = 2

CACHE_NEVER_WRITTEN = {
    "name": "returned cache lacks this step",
    "explanation": "The cache the step returns holds nothing of this step: it equals the cache the step was given, "
                   "so the next step sees zeros where the past should be (whether k and v were written somewhere "
                   "else, such as into another copy, is not what was measured).",
    "hint": "Write k and v into cache[i, 0] and cache[i, 1] at position index, and return the tensor you wrote into.",
}


# --------------------------------------------------------------------------- what each call gets
IDS = ("input_ids", "other_ids")  # a schedule row's "tokens from": 0 or 1
CACHES = ("reference_cache", "other_cache")  # and its "cache from"


def step_calls(inputs) -> list[tuple[int, str, str]]:
    """(index, the input whose tokens it gets, the input whose cache it gets) of every call the
    probe makes: every position of `input_ids` on `reference_cache`; one step at the last
    index on a filled `cache`; or, with a `schedule` (rows: index, tokens from, cache from),
    two sequences interleaved, some steps handed the other sequence's cache."""
    if "schedule" in inputs:
        return [(int(t), IDS[int(a)], CACHES[int(b)]) for t, a, b in inputs["schedule"].tolist()]
    T = inputs["input_ids"].shape[1]
    if "cache" in inputs:
        return [(T - 1, "input_ids", "cache")]
    return [(t, "input_ids", "reference_cache") for t in range(T)]


def step_indices(inputs) -> list[int]:
    """The index of every call."""
    return [t for t, _, _ in step_calls(inputs)]


def cache_before(inputs, call):
    """The cache the probe hands a call (problems/kv-cache/probe.py does the same): a filled
    `cache` as it is, or a reference cache zeroed from the call's index on."""
    t, _, key = call
    if key == "cache":
        return inputs["cache"]
    cache = inputs[key].clone()
    cache[:, :, :, :, t:] = 0
    return cache


# --------------------------------------------------------------------------- work
def cached_flops(N, d, num_blocks, vocab, n_keys):
    """Matmul FLOPs of a step that projects only the new token: q, k, v, o and the two
    MLP matmuls (12 N d^2 per block), attention over n_keys keys (4 N d n_keys per block),
    and the tied head (2 N d V)."""
    return num_blocks * (12 * N * d * d + 4 * N * d * n_keys) + 2 * N * d * vocab


def recompute_flops(N, d, num_blocks, vocab, t):
    """A full forward over positions 0..t."""
    n = t + 1
    return num_blocks * (12 * N * n * d * d + 4 * N * d * n * n) + 2 * N * n * d * vocab


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
                              "the cache", details={"index": t, "flops": f, "cached_flops": need, "budget": budget},
                              rule="a step does the work of one new token: it projects only that token and reads the "
                                   "earlier keys and values from the cache, never recomputing the prefix")
    return Comparison(True, "")


def cache_elements(N, d, num_blocks, max_len):
    return num_blocks * 2 * N * max_len * d


def weight_elements(d, num_blocks, vocab, pos_rows):
    return vocab * d + pos_rows * d + num_blocks * 6 * d * d


def work_budget(N, d, num_blocks, vocab, max_len, pos_rows):
    return WORK_FACTOR * (cached_flops(N, d, num_blocks, vocab, max_len)
                          + CACHE_PASSES * cache_elements(N, d, num_blocks, max_len)
                          + WEIGHT_PASSES * weight_elements(d, num_blocks, vocab, pos_rows))


def check_work(inputs, work, indices) -> Comparison:
    """Everything a step computes, whatever the ops are named, within work_budget."""
    w_emb, bw = inputs["w_emb"], inputs["blocks_weights"]
    N, vocab, d, num_blocks = inputs["input_ids"].shape[0], w_emb.shape[0], w_emb.shape[1], bw.shape[0]
    if not isinstance(work, list) or len(work) != len(indices):
        return Comparison(False, "the work of your steps was not recorded")
    budget = work_budget(N, d, num_blocks, vocab, inputs["max_len"], inputs["pos_embed"].shape[0])
    for t, w in zip(indices, work):
        if not isinstance(w, (int, float)) or w > budget:
            need = cached_flops(N, d, num_blocks, vocab, t + 1)
            return Comparison(False, f"the step at index {t} computed {w:,.0f} operations (FLOPs of products and "
                              f"elements of every other op), {w / need:.1f}x the FLOPs a cached step needs ({need:,}; "
                              f"the budget is {budget:,.0f}). Your step does work for earlier positions, whatever "
                              "ops it uses (broadcast products and sums, loops): project only the new token and read "
                              "the earlier keys and values from the cache",
                              details={"index": t, "work": w, "cached_flops": need, "budget": budget},
                              rule="a step does the work of one new token: it projects only that token and reads the "
                                   "earlier keys and values from the cache, never recomputing the prefix")
    return Comparison(True, "")


# --------------------------------------------------------------------------- the cache a step returns
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
        return Comparison(False, msg, details={"position": first[4], "index": index},
                          rule="a step writes its keys and values at position `index` of the cache and nowhere else")
    if unwritten:
        return Comparison(False, f"{label} is unchanged at position {index}: the step must write this token's keys "
                          "and values there and return the cache it wrote", details={"position": index, "index": index},
                          mistake=CACHE_NEVER_WRITTEN)
    first = tuple(int(i) for i in bad.nonzero()[0])
    e, a = float(expected[first]), float(after[first])
    msg = f"{label} holds wrong {'keys' if first[1] == 0 else 'values'} at position {index} " \
          f"({_where(first)}; expected {e:.6g}, got {a:.6g})"
    b, kv, n = first[:3]
    got_here, want_here = after[b, kv, n, :, index].flatten(), expected[b, kv, n, :, index].flatten()
    if torch.allclose(got_here.sort().values.double(), want_here.sort().values.double(), rtol=rtol, atol=atol):
        # The right numbers in another order (the heads or d_head laid out another way): the split is what differs.
        msg += (f": they are the right numbers in another order, so the layout of the heads differs: position "
                f"{index} must hold this token's k.view(N, num_heads, d_head) (head h owns columns "
                "h*d_head:(h+1)*d_head)")
    elif any(torch.allclose(after[b, kv, :, :, index].double(), expected[o, kv, :, :, index].double(), rtol=rtol,
                            atol=atol) for o in range(after.shape[0]) if o != b):
        # Measured exactly: this block's slot holds what another block writes (a block index fixed or off by one).
        other = next(o for o in range(after.shape[0]) if o != b and torch.allclose(
            after[b, kv, :, :, index].double(), expected[o, kv, :, :, index].double(), rtol=rtol, atol=atol))
        msg += (f": block {b}'s slot holds the {'keys' if kv == 0 else 'values'} block {other} computes; block i "
                "writes cache[i]")
    elif first[0] == 0:
        # Measured: the first block's keys already differ; what comes before them is not told apart (positions read
        # from index + 1 were once told "write each block's k = LN(x) @ w_k ..." as if the projection were wrong).
        msg += " (already in the first block: its keys and values are LN(x) @ w_k and LN(x) @ w_v of this " \
               "token's x = w_emb[token] + pos_embed[index], split into heads as (num_heads, d_head))"
    else:  # measured: the earlier blocks wrote the right k, v; which part of the step makes this block's differ is not
        msg += "; the blocks before it wrote the right ones"
    return Comparison(False, msg, details={"position": index, "index": index})


def check_caches(inputs, caches, written, calls, tol) -> Comparison:
    """Each returned cache: what the step was handed, plus this index's keys and values."""
    for j, call in enumerate(calls):
        t = call[0]
        after = caches[j] if j < len(caches) else None
        verdict = check_cache(cache_before(inputs, call), after, written[j], t, tol, f"by the step at index {t}"
                              + _whose(inputs, call, j))
        if not verdict.passed:
            return verdict
    return Comparison(True, "")


# --------------------------------------------------------------------------- logits
def _whose(inputs, call, j) -> str:
    """Which sequence's tokens and cache a scheduled call got, in words."""
    if "schedule" not in inputs:
        return ""
    names = {"input_ids": "A", "other_ids": "B", "reference_cache": "A", "other_cache": "B"}
    return f" (call {j + 1}: sequence {names[call[1]]}'s token, " \
           f"sequence {names[call[2]]}'s cache)"


def check_logits(expected_logits, steps, inputs, tol) -> Comparison:
    """Each step's logits against the reference's at its index; the first wrong one is reported."""
    verdict = Comparison(True, "", 0.0)
    for j, call in enumerate(step_calls(inputs)):
        t = call[0]
        got = steps[j] if j < len(steps) else None
        c = compare_tensors(expected_logits[:, j], got, *tol, label=f"logits at index {t}" + _whose(inputs, call, j))
        if not c.passed:
            if "cache" in inputs:
                c.message += (" (here your step runs once, on a cache a correct implementation filled: if the "
                              "decode cases pass, your step does not take the past from the cache it is given)")
            elif "schedule" in inputs:
                c.message += (" (here two sequences are decoded in turns and some steps get the other sequence's "
                              "cache: the logits must follow the token and the cache a call is handed, never "
                              "tokens or keys kept from earlier calls)")
            return c
        verdict.max_abs_error = max(verdict.max_abs_error, c.max_abs_error or 0.0)
    return verdict


def inputs_unchanged(inputs, after) -> Comparison:
    for name in ("input_ids", "w_emb", "pos_embed", "blocks_weights"):
        now = after.get(name)
        if now is None:
            continue
        if type(now) is not torch.Tensor or now.shape != inputs[name].shape or not torch.equal(now, inputs[name]):
            return Comparison(False, f"your step changed its input `{name}` in place; only the cache may be written",
                              rule=UNCHANGED_INPUTS)
    return Comparison(True, "")


def judge(case, value, tol, expected):
    """Every step's logits and the cache it returns, against the reference's on the same
    cache (`expected`), and each step's work."""
    inputs = case.pristine_inputs()
    if "error" in value:
        return Comparison(False, str(value["error"]))
    indices = step_indices(inputs)
    logits = check_logits(expected["logits"], value.get("logits") or [], inputs, tol)
    cache = check_caches(inputs, value.get("caches") or [], expected["written"], step_calls(inputs), tol)
    if not logits.passed and not cache.passed:
        logits.message += f"; also, {cache.message}"
    work = check_flops(inputs, value.get("flops"), indices)
    if work.passed:
        work = check_work(inputs, value.get("work"), indices)
    verdicts = [logits, cache, work]
    # An edited input explains every other failure: say it first.
    unchanged = inputs_unchanged(inputs, value.get("inputs_after") or {})
    return verdicts if unchanged.passed else [unchanged] + verdicts
