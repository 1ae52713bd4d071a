"""Public judge for sample (runs in the grader's process, not the sandbox; shipped in the
learner's bundle): it needs only the case's probabilities and the draws the probe sent
back, never the reference.

A correct sampler's draws depend on how it spends the generator's random numbers, so
no seeded token is ever compared. Instead the probe draws a large batch of rows with
known distributions and this judge tests the draws: ids in range, no token of
probability 0, a two-sided chi-square test at level ALPHA per case (counts too far from
the probabilities, or too close for independent draws), a test of neighbouring rows'
pairs against independence, and (in one case) reproducibility under a fixed generator
seed whatever the global RNG, two successive calls on one generator drawn independently,
and new draws from a generator with the same seed in a later state. The
test itself (`chi_square`, `fit`, ALPHA) is grader.compare's, shared with generate's
public judge.
"""

import torch

# The chi-square test lives in grader.compare, shared with generate's public judge; its
# names stay importable from here (tests and benchmarks use them).
from grader.compare import ALPHA, MIN_EXPECTED, OUTPUT_TYPE, UNCHANGED_INPUTS, Comparison, chi_square, fit  # noqa: F401
from grader.compare import pair_fit


# --------------------------------------------------------------------------- the draws
def validate(draws, rows: torch.Tensor, n: int, label: str):
    """Type, dtype, shape, range and support of the draws for a batch of n copies of
    `rows` (row i follows rows[i % R]). Returns (Comparison, counts (R, V) or None)."""
    R, V = rows.shape
    if isinstance(draws, dict) and "__bad_type__" in draws:
        return Comparison(False, f"{label}: expected a torch.Tensor, got {draws['__bad_type__']}", rule=OUTPUT_TYPE), None
    if type(draws) is not torch.Tensor:
        return Comparison(False, f"{label}: expected a torch.Tensor of token ids, got a {type(draws).__name__}",
                          rule=OUTPUT_TYPE), None
    details = {"expected_shape": [R * n], "expected_dtype": "int64", "actual_shape": list(draws.shape),
               "actual_dtype": str(draws.dtype).removeprefix("torch.")}
    if draws.dtype != torch.int64:
        return Comparison(False, f"{label}: dtype is {draws.dtype}, expected torch.int64 token ids", None, details,
                          rule=OUTPUT_TYPE), None
    if tuple(draws.shape) != (R * n,):
        return Comparison(False, f"{label}: shape is {tuple(draws.shape)}, expected ({R * n},): one token id per row "
                          f"of probs", None, details, rule=OUTPUT_TYPE), None
    bad = (draws < 0) | (draws >= V)
    if bad.any():
        i = int(bad.nonzero()[0])
        return Comparison(False, f"{label}: {int(bad.sum())} of {R * n} ids are outside 0..{V - 1} (the first, at row "
                          f"{i}, is {int(draws[i])}); an off-by-one in the inverse CDF?", None, details), None
    by_row = draws.reshape(n, R)
    counts = torch.stack([torch.bincount(by_row[:, r], minlength=V) for r in range(R)])  # (R, V)
    zero = (counts > 0) & (rows == 0)
    if zero.any():
        r, j = (int(v) for v in zero.nonzero()[0])
        where = f"token {j}" + (f" of distribution {r}" if R > 1 else "")
        return Comparison(False, f"{label}: drew {where}, which has probability 0, {int(counts[r, j])} times "
                          f"(a token of probability 0 must never be drawn)", None, details,
                          rule="a token of probability 0 is never drawn"), None
    return Comparison(True, ""), counts


GLOBAL_RNG = {
    "name": "global RNG instead of the generator",
    "explanation": "The random numbers come from torch's global RNG (torch.rand without generator=...), so the "
                   "same generator seed does not give the same draws.",
    "hint": "Pass generator=generator to every random call.",
}
NOT_ADVANCED = {
    "name": "generator not advanced",
    # What was measured, not how: a reseed from initial_seed() and a copy of the current state (a new Generator
    # given generator.get_state()) both give it, and the copy was once told it "started again from the seed".
    "explanation": "A second call on the same generator gave the very same draws as the first: your draws do not "
                   "move the generator on, so every call repeats the numbers of the one before.",
    "hint": "Draw from the generator itself, torch.rand(..., generator=generator): it advances as it is used.",
}
# Told apart by the later-state experiment below: when a generator in a later state gives the fresh one's draws too,
# the draws come from the seed, so a reseed is what was measured; when it gives other draws, they follow the state.
NOT_ADVANCED_RESEEDED = {
    "name": "generator not advanced",
    "explanation": "Each call started again from the generator's seed (generator.initial_seed(), a reseed) instead of "
                   "its current state, so two calls on one generator gave the same draws (and a generator in a later "
                   "state gave them too).",
    "hint": NOT_ADVANCED["hint"],
}
NOT_ADVANCED_STATE = {
    "name": "generator not advanced",
    "explanation": "A second call on the same generator gave the very same draws as the first, while a generator in a "
                   "later state gave other draws: your draws read the generator's state but do not move it on.",
    "hint": NOT_ADVANCED["hint"],
}
SEED_ONLY = {
    "name": "draws decided by the seed, not the generator's state",
    "explanation": "A generator with the same initial seed but a later state (advanced by earlier draws) gave the "
                   "very same draws as a fresh one: the draws follow generator.initial_seed() (and perhaps a count "
                   "of calls), not the generator's state.",
    "hint": "Draw from the generator itself, torch.rand(..., generator=generator); never read its seed.",
}
OWN_SEED = {
    "name": "a fixed seed instead of the generator",
    "explanation": "The draws come from a generator the code makes itself with a fixed seed, so every generator "
                   "gives the same draws.",
    "hint": "Use the generator you are given; do not create or seed one.",
}


def judge(case, value: dict, tolerance, expected=None) -> list[Comparison]:
    """Draws in range, never a token of probability 0, a chi-square fit, and (one case)
    reproducibility: from the case's probabilities and the draws alone (`expected` is None)."""
    rows, n, opts = case.inputs["probs"], case.options["draws"], case.options
    check, counts = validate(value.get("draws"), rows, n, "draws")
    if counts is None:
        return [check]
    verdicts = [fit(counts, rows, n), neighbours_independent(value["draws"], rows)]
    if opts.get("reproducible"):
        verdicts += _reproducibility(case, value, counts)
    return verdicts


def neighbours_independent(draws, rows) -> Comparison:
    """Rows 2j and 2j + 1 of one call (distributions 2j % R and (2j + 1) % R) are drawn
    independently: their pairs follow the product of the two distributions."""
    R = rows.shape[0]
    half = draws.numel() // 2
    if half < 2:
        return Comparison(True, "")
    j = torch.arange(half)
    return pair_fit(draws[0:2 * half:2], draws[1:2 * half:2], rows, (2 * j) % R, (2 * j + 1) % R,
                    "the draws of neighbouring rows (row 2j with row 2j + 1) of one call")


def calls_independent(before, after, rows) -> Comparison:
    """Two successive calls on one generator: row i's two draws are independent."""
    R = rows.shape[0]
    cls = torch.arange(before.numel()) % R
    return pair_fit(before, after, rows, cls, cls, "the draws of two successive calls on one generator (row i of "
                    "the first call with row i of the second)")


def _reproducibility(case, value: dict, counts) -> list[Comparison]:
    rows, n = case.inputs["probs"], case.options["draws"]
    draws = value["draws"]
    out = []
    again = (value.get("rerun") or {}).get("draws")  # the same seed, in a separate process
    check, _ = validate(again, rows, n, "draws (second run, in a separate process)")
    if check.passed and not torch.equal(again, draws):
        differ = int((again != draws).sum())
        check = Comparison(False, f"the same generator seed gave different draws ({differ} of {draws.numel()} "
                           "differ) in a second run with the global RNG reseeded: take every random number from "
                           "`generator` (e.g. torch.rand(..., generator=generator)), never from the global RNG",
                           mistake=GLOBAL_RNG)
    out.append(check)
    other = value.get("draws_other_seed")
    check, _ = validate(other, rows, n, "draws (other seed)")
    if check.passed and torch.equal(other, draws):
        check = Comparison(False, f"two different generator seeds gave identical draws on {draws.numel()} rows: the "
                           "draws must come from the generator you are given, not from a fixed seed",
                           mistake=OWN_SEED)
    out.append(check)
    advanced = value.get("draws_after_advance")
    check, _ = validate(advanced, rows, n, "draws (second call on the same generator)")
    second_valid = check.passed
    later = (value.get("rerun") or {}).get("draws_later_state")  # same initial seed, a later state, a fresh process
    later_valid = validate(later, rows, n, "draws (a generator with the same seed in a later state)")[0].passed
    not_advanced = NOT_ADVANCED if not later_valid else \
        NOT_ADVANCED_RESEEDED if torch.equal(later, draws) else NOT_ADVANCED_STATE
    if check.passed and torch.equal(advanced, draws):
        check = Comparison(False, "a second call on the same generator gave the very same draws: the generator must "
                           "advance as you draw from it (torch.rand(..., generator=generator)); deriving a seed from "
                           "it, or reseeding anything, repeats the same numbers", mistake=not_advanced)
    out.append(check)
    before = value.get("draws_before_advance")
    check, _ = validate(before, rows, n, "draws (first call on a generator)")
    if check.passed and second_valid:
        check = calls_independent(before, advanced, rows)
    out.append(check)
    check, _ = validate(later, rows, n, "draws (a generator with the same seed in a later state)")
    if check.passed and torch.equal(later, draws):
        check = Comparison(False, "a generator seeded as in the first run but advanced beyond its seed (a later "
                           "state, generator.get_state() after some draws) gave the very same draws as the fresh "
                           "generator, in a separate process: the draws must follow the generator's state, not its "
                           "initial seed (or a count of calls)", mistake=SEED_ONLY)
    out.append(check)
    check, _ = validate(value.get("one_row"), rows[:1], 1, "a single row")
    out.append(check)
    after = value.get("probs_after")
    if type(after) is torch.Tensor and not torch.equal(after, rows.repeat(n, 1)):
        out.append(Comparison(False, "your function changed its input `probs` in place; compute into new tensors",
                              rule=UNCHANGED_INPUTS))
    return out
