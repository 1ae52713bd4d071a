"""Public judge for generate (runs in the grader's process, not the sandbox; shipped in the
learner's bundle).

Greedy cases: the ids against the reference's (`expected["ids"]`), token for token.
Sampling cases never compare a seeded token. They check what every correct sampler
satisfies: the prompt kept, ids in range, ended rows stay ended, every drawn token among
the top-k of its own context, and the same generator seed giving the same output whatever
the global RNG (and a later state of a generator with that seed giving another output);
a two-sided chi-square test of the first new token of each prompt's copies against
`expected["first_probs"]` (too far from it, or too even for independent draws), and a
test of neighbouring rows' first tokens against independence. The top-k check needs the logits of every context
the learner's rows pass through: the cases are small enough (a few prompts, top_k = 4,
three new tokens) that `expected["contexts"]` holds the reference's last-position logits
for every context a sampler can reach (ids joined by commas -> (V,) logits); a row whose
context is not there drew a token outside the top-k before, which is reported first.
"""

import torch

from grader.compare import UNCHANGED_INPUTS, Comparison, compare_tensors, fit, pair_fit

TOP_K_MARGIN = 1e-3  # a drawn token within this of the k-th scaled logit counts as in the top k (rounding)


STOPPING = "once a row has generated end_token_id, every later token of that row is end_token_id"
# The one hint of `explain` that shows the output itself breaking STOPPING: every earlier token of
# the row is right, so the row generated the end token, and then went on. (An end token emitted
# too early could also come from wrong logits: that hint is no broken rule.)
WENT_ON_AFTER_END = "every later token of that row must be"


def context_key(ids) -> str:
    """How `expected["contexts"]` names a context: its ids joined by commas."""
    return ",".join(str(int(i)) for i in ids)


# --------------------------------------------------------------------------- greedy
def explain(inputs, expected, got) -> str:
    """Where greedy output first goes wrong, in the learner's terms."""
    prompt, end = inputs["prompt_ids"], inputs["end_token_id"]
    N, T0 = prompt.shape
    if type(got) is not torch.Tensor or got.dim() != 2 or got.shape[0] != N:
        return ""
    if got.shape != expected.shape:
        return _shape_hint(inputs, got)
    wrong = (got != expected).nonzero()
    if not len(wrong):
        return ""
    r, t = (int(v) for v in wrong[0])
    if t < T0:
        return f" (row {r}'s prompt was changed: the output starts with the prompt, unchanged)"
    ended = (expected[r, T0:t] == end).nonzero()
    if len(ended):
        p = T0 + int(ended[0])
        return f" (row {r} emitted the end token {end} at position {p}; {WENT_ON_AFTER_END} {end})"
    if int(got[r, t]) == end:
        if (prompt[r] == end).any():
            return f" (row {r}'s prompt contains the end token {end}, but only a generated end token stops a row)"
        return f" (row {r} has not emitted the end token yet: rows stop independently)"
    return ""


def _shape_hint(inputs, got) -> str:
    T0, new = inputs["prompt_ids"].shape[1], inputs["max_new_tokens"]
    if got.dim() != 2 or got.shape[1] == T0 + new:
        return ""
    if got.shape[1] == new:
        return " (the prompt must come first: return the prompt followed by the new tokens)"
    if got.shape[1] < T0 + new:
        return (" (every row gets max_new_tokens new tokens: a row that has ended continues with end_token_id "
                "until the others are done)")
    return ""


def inputs_unchanged(inputs, after) -> Comparison:
    for name in ("prompt_ids", "w_emb", "pos_embed", "blocks_weights"):
        now = after.get(name)
        if now is not None and (type(now) is not torch.Tensor or now.shape != inputs[name].shape
                                or not torch.equal(now, inputs[name])):
            return Comparison(False, f"your function changed its input `{name}` in place", rule=UNCHANGED_INPUTS)
    return Comparison(True, "")


def check_ids(out, inputs, label) -> Comparison:
    prompt = inputs["prompt_ids"]
    N, T0 = prompt.shape
    shape = (N, T0 + inputs["max_new_tokens"])
    if type(out) is not torch.Tensor:
        return compare_tensors(torch.zeros(shape, dtype=torch.int64), out, 0, 0, label=label)
    if out.dtype != torch.int64 or tuple(out.shape) != shape:
        verdict = compare_tensors(torch.zeros(shape, dtype=torch.int64), out, 0, 0, label=label)
        verdict.message += _shape_hint(inputs, out) if out.dtype == torch.int64 else ""
        verdict.rule = ("the output is the prompt followed by exactly max_new_tokens new tokens per row, as int64 "
                        "token ids")
        return verdict
    if not torch.equal(out[:, :T0], prompt):
        r = int((out[:, :T0] != prompt).any(1).nonzero()[0])
        return Comparison(False, f"{label}: row {r} does not start with its prompt: return the prompt followed by the "
                          "new tokens", rule="the output is the prompt followed by the new tokens")
    V = inputs["w_emb"].shape[0]
    bad = (out < 0) | (out >= V)
    if bad.any():
        r, t = (int(v) for v in bad.nonzero()[0])
        return Comparison(False, f"{label}: token {int(out[r, t])} at row {r}, position {t} is not an id in 0..{V - 1}")
    return Comparison(True, "")



# --------------------------------------------------------------------------- sampling
def ended_rows_stay_ended(new, end, T0) -> Comparison:
    ended = (new == end).int().cumsum(dim=1) > 0
    after_end = torch.zeros_like(ended)
    after_end[:, 1:] = ended[:, :-1]
    broken = after_end & (new != end)
    if not broken.any():
        return Comparison(True, "")
    r, s = (int(v) for v in broken.nonzero()[0])
    first = int((new[r] == end).nonzero()[0])
    return Comparison(False, f"row {r} emitted the end token {end} at position {T0 + first} but went on "
                      f"with token {int(new[r, s])} at position {T0 + s}: once a row emits "
                      "end_token_id, the rest of that row is end_token_id", rule=STOPPING)


def _thresholds(contexts: dict, temperature: float, k: int) -> dict:
    """Per context: its scaled logits (as floats) and the k-th largest of them."""
    out = {}
    for key, logits in contexts.items():
        scaled = logits.double() / temperature
        out[key] = (scaled.tolist(), float(scaled.topk(k).values[-1]))
    return out


def first_outside_top_k(out, T0, end, contexts: dict, temperature: float, k: int):
    """(row, step) of the first drawn token outside the top k of its context, in row order,
    or None. A row's check stops after its end token (the rest is end_token_id) and at a
    context the reference never reaches (only after an earlier token outside the top k)."""
    table = _thresholds(contexts, temperature, k)
    for r, row in enumerate(out.tolist()):
        for s, token in enumerate(row[T0:]):
            known = table.get(context_key(row[:T0 + s]))
            if known is None:
                break
            scaled, kth = known
            if scaled[token] < kth - TOP_K_MARGIN:
                return r, s
            if token == end:
                break
    return None


def reproducible(value, out, N) -> list[Comparison]:
    """All randomness from the generator: same seed, same rows; another seed, other rows."""
    verdicts = []
    again = (value.get("rerun") or {}).get("samples")  # the same seed, in a separate process
    if type(again) is not torch.Tensor or again.shape != out.shape or not torch.equal(again, out):
        verdicts.append(Comparison(False, "the same generator seed gave a different output in a second run with the "
                                   "global RNG reseeded: take every random number from `generator` (torch.rand(..., "
                                   "generator=generator)), never from the global RNG",
                                   rule="the same generator seed gives the same output"))
    other = value.get("samples_other_seed")
    if type(other) is torch.Tensor and torch.equal(other, out):
        verdicts.append(Comparison(False, f"two different generator seeds gave the same {N} rows: draw from the "
                                   "generator you are given, not from one you seed yourself",
                                   rule="the draws come from the generator you are given"))
    later = (value.get("rerun") or {}).get("samples_later_state")  # same initial seed, a later state
    same_for_all = type(other) is torch.Tensor and torch.equal(other, out)
    if not same_for_all and type(later) is torch.Tensor and later.shape == out.shape and torch.equal(later, out) and N > 1:
        verdicts.append(Comparison(False, f"a generator seeded as in the first run but advanced beyond its seed (a "
                                   f"later state) gave the same {N} rows as the fresh one, in a separate process: the "
                                   "draws must follow the generator's state, not generator.initial_seed() (or a count "
                                   "of calls)", rule="the draws come from the generator's state"))
    return verdicts


def judge_sampling(case, inputs, value, expected):
    opts, end = case.options, inputs["end_token_id"]
    out = value.get("samples")
    check = check_ids(out, inputs, "generated ids")
    if not check.passed:
        return [check]
    prompt, T, k = inputs["prompt_ids"], inputs["temperature"], inputs["top_k"]
    N, T0 = prompt.shape
    new = out[:, T0:]
    verdicts = []
    ended = ended_rows_stay_ended(new, end, T0)
    if not ended.passed:
        verdicts.append(ended)
    if k is not None:
        outside = first_outside_top_k(out, T0, end, expected["contexts"], T, k)
        if outside is not None:
            r, s = outside
            verdicts.append(Comparison(False, f"row {r} drew token {int(new[r, s])} at position {T0 + s}, which is not "
                                       f"among the top_k = {k} tokens of its logits (every draw must be one of "
                                       "them)"))
    # The first new token of each prompt's copies follows the distribution.
    R = opts["prompts"]
    probs = expected["first_probs"]  # (R, V): rows 0..R-1 are the distinct prompts
    n = N // R
    first = new[:, 0].reshape(n, R)
    counts = torch.stack([torch.bincount(first[:, r], minlength=probs.shape[-1]) for r in range(R)])
    what = f"top_k_probs(logits, {T:g}, {k})" if k is not None else f"softmax(logits / {T:g})"
    verdict = fit(counts, probs, n, label=f"the first new tokens (of {n} copies of each prompt)")
    if not verdict.passed:
        verdict.message = verdict.message.replace("the given probabilities", what)
    verdicts.append(verdict)
    if n >= 2:  # neighbouring rows (2j, 2j + 1) drew their first new tokens independently
        half = N // 2
        j = torch.arange(half)
        flat = new[:, 0]
        verdicts.append(pair_fit(flat[0:2 * half:2], flat[1:2 * half:2], probs, (2 * j) % R, (2 * j + 1) % R,
                                 "the first new tokens of neighbouring rows (row 2j with row 2j + 1)"))
    verdicts += reproducible(value, out, N)
    verdicts.append(inputs_unchanged(inputs, value.get("inputs_after") or {}))
    return verdicts


def judge(case, value, tol, expected):
    """Greedy: the ids, token for token. Sampling: the properties every correct sampler has
    and a chi-square test of the first new token, against the reference's distributions."""
    inputs = case.pristine_inputs()
    if case.options.get("sampling"):
        return judge_sampling(case, inputs, value, expected)
    got = value.get("output")
    verdict = compare_tensors(expected["ids"], got, *tol, label="generated ids")
    if not verdict.passed:
        hint = explain(inputs, expected["ids"], got)
        verdict.message += hint
        if not verdict.rule and WENT_ON_AFTER_END in hint:
            verdict.rule = STOPPING  # the output breaks the stopping rule itself, whatever its logits
    return [verdict, inputs_unchanged(inputs, value.get("inputs_after") or {})]
