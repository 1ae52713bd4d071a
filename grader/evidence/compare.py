"""Comparing a learner's output with the expected one, and saying precisely how they differ;
and testing draws against the distribution they should follow (chi-square)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch


@dataclass
class Comparison:
    passed: bool
    message: str
    max_abs_error: float | None = None
    details: dict = field(default_factory=dict)
    # A custom judge that recognises the mistake from a property (draws that ignore the
    # generator, a copied weight) names it here: {"name", "explanation", "hint"}.
    mistake: dict | None = None
    # A check of a stated rule of the contract (the output's type, dtype or shape, inputs left
    # unchanged, where a cache may be written), not of values: the rule, in a teacher's words.
    # Failed, its message names what is wrong by itself (grader/verdict/explain.py falls back on it).
    rule: str = ""


# How a comparison says the output holds NaN or inf where the right one is finite (grader/evidence/ablation.py and
# grader/verdict/explain.py read it: such an output is reported as what it is, never as a stage's or a part's fault).
NONFINITE = "are NaN or inf where a finite value was expected"


def _describe(value) -> str:
    if isinstance(value, dict) and "__bad_type__" in value:
        return value["__bad_type__"]
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def _fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _unravel(flat: int, shape) -> tuple[int, ...]:
    """torch.unravel_index, without the 0.4 s sympy import it triggers on first use."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


OUTPUT_TYPE = "the output's type and shape are part of the contract"
OUTPUT_DTYPE = "the output keeps the dtype the contract gives it (the input's, for floating outputs)"
UNCHANGED_INPUTS = "a function must not change its inputs in place: the caller's tensors are not its own"


def shape_reading(expected: tuple, actual: tuple) -> str:
    """What a wrong shape says by itself, when it says something: an axis of size 1 added or
    dropped, or the same sizes in another order."""
    def no_ones(shape):
        return tuple(s for s in shape if s != 1)

    if len(actual) > len(expected) and actual[len(actual) - len(expected):] == expected \
            and all(s == 1 for s in actual[:len(actual) - len(expected)]):
        if not expected:  # a 0-d result: a value of shape (1,) combined with it broadcasts it to (1,) as well
            return (" (an extra leading axis of size 1: something of shape (1,) was broadcast into the result, e.g. a "
                    "constant made with torch.tensor([c]), or an axis added and never removed)")
        # From an input of one axis or more, a (1,)-shaped value broadcasts away: the axis was added in front.
        return " (the right shape with an extra leading axis of size 1 in front: an axis was added and never removed)"
    merged = merged_axes(expected, actual)
    if merged:
        return merged
    if len(actual) > len(expected) and no_ones(actual) == no_ones(expected):
        return " (an extra axis of size 1: a keepdim=True, unsqueeze or [:, None] left in, or a slice where an index belongs)"
    if len(actual) < len(expected) and no_ones(actual) == no_ones(expected):
        return (" (an axis of size 1 was dropped: a bare .squeeze() removes every axis of size 1, or an index where a "
                "slice belongs; squeeze only the axis you mean)")
    if sorted(actual) == sorted(expected):
        return " (the same sizes in another order: axes transposed or permuted)"
    return ""


def merged_axes(expected: tuple, actual: tuple) -> str:
    """' (the right shape with axes 1 and 2 merged ...)', when `actual` is `expected` with consecutive axes merged
    into one of their product's size (a flatten or reshape not undone)."""
    n, m = len(expected), len(actual)
    if not 0 < m < n:
        return ""
    span = n - m + 1
    for i in range(m):
        size = 1
        for s in expected[i:i + span]:
            size *= s
        if actual == expected[:i] + (size,) + expected[i + span:] and all(s > 1 for s in expected[i:i + span]):
            axes = " and ".join(str(k) for k in range(i, i + span))
            sizes = " x ".join(str(s) for s in expected[i:i + span])
            return (f" (the right shape with its axes {axes} merged into one of size {size} = {sizes}: the axes were "
                    "flattened together and never restored)")
    return ""


def compare_tensors(expected: torch.Tensor, actual, atol: float, rtol: float, label: str = "output") -> Comparison:
    """Type, dtype, shape, finiteness, then values within atol + rtol * |expected|."""
    details = {"expected_shape": list(expected.shape), "expected_dtype": str(expected.dtype).removeprefix("torch.")}
    if type(actual) is not torch.Tensor:
        return Comparison(False, f"{label}: expected a torch.Tensor, got {_describe(actual)}", None, details,
                          rule=OUTPUT_TYPE)
    details.update(actual_shape=list(actual.shape), actual_dtype=str(actual.dtype).removeprefix("torch."))
    if actual.dtype != expected.dtype:
        return Comparison(False, f"{label}: dtype is {actual.dtype}, expected {expected.dtype}"
                          + (" (keep the input's dtype)" if expected.is_floating_point() else ""), None, details,
                          rule=OUTPUT_DTYPE)
    if actual.shape != expected.shape:
        return Comparison(False, f"{label}: shape is {tuple(actual.shape)}, expected {tuple(expected.shape)}"
                          + shape_reading(tuple(expected.shape), tuple(actual.shape)), None, details, rule=OUTPUT_TYPE)
    if actual.numel() == 0:
        return Comparison(True, "", 0.0, details)
    if not expected.is_floating_point():
        wrong = actual != expected
        count = int(wrong.sum())
        if count:
            index = tuple(int(i) for i in wrong.nonzero()[0])
            details.update(index=list(index), expected_value=expected[index].item(), actual_value=actual[index].item(),
                           mismatched=count, total=expected.numel())
            return Comparison(False, f"{label}: {count} of {expected.numel()} values differ; first at "
                              f"{_fmt_index(index)}: expected {expected[index].item()}, got {actual[index].item()}",
                              None, details)
        return Comparison(True, "", 0.0, details)
    exp64, act64 = expected.double(), actual.double()
    bad_actual = ~torch.isfinite(act64) & torch.isfinite(exp64)
    if bad_actual.any():
        index = tuple(int(i) for i in bad_actual.nonzero()[0])
        count = int(bad_actual.sum())
        details.update(index=list(index), actual_value=float(act64[index]), nonfinite=count)
        return Comparison(False, f"{label}: {count} value(s) {NONFINITE}; "
                          f"first at {_fmt_index(index)}", None, details)
    same_nonfinite = ~torch.isfinite(exp64) & ((act64 == exp64) | (torch.isnan(act64) & torch.isnan(exp64)))
    diff = (act64 - exp64).abs().masked_fill(same_nonfinite, 0.0)
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
    allowed = atol + rtol * exp64.abs().masked_fill(~torch.isfinite(exp64), 0.0)
    wrong = diff > allowed
    flat = int(diff.argmax())
    index = _unravel(flat, diff.shape)
    max_err = float(diff.reshape(-1)[flat])
    details.update(index=list(index), expected_value=float(exp64[index]), actual_value=float(act64[index]),
                   mismatched=int(wrong.sum()), total=expected.numel(), atol=atol, rtol=rtol)
    if wrong.any():
        return Comparison(False, f"{label}: {int(wrong.sum())} of {expected.numel()} values differ; max abs error "
                          f"{max_err:.3g} at {_fmt_index(index)} (expected {float(exp64[index]):.6g}, got "
                          f"{float(act64[index]):.6g}; tolerance {atol:g} + {rtol:g}*|expected|)", max_err, details)
    return Comparison(True, "", max_err, details)


def close(expected: torch.Tensor, actual, atol: float, rtol: float) -> bool:
    """Quiet yes/no version, for diagnosis."""
    if type(actual) is not torch.Tensor or not isinstance(expected, torch.Tensor):
        return False
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        return False
    if actual.numel() == 0:
        return True
    if not expected.is_floating_point():
        return bool((actual == expected).all())
    if 0 <= atol < math.inf and 0 <= rtol < math.inf:
        # compare_tensors(...).passed in one kernel (the catalogue asks thousands of times a class):
        # equal (the same infinity, NaN against NaN), or both finite within atol + rtol*|expected|.
        return bool(torch.isclose(actual.double(), expected.double(), rtol=rtol, atol=atol, equal_nan=True).all())
    return compare_tensors(expected, actual, atol, rtol).passed


# --------------------------------------------------------------------------- distributions
ALPHA = 1e-7  # per chi-square test; a check runs a handful (sample: 6), so < 1e-6 a run
MIN_EXPECTED = 5.0  # bins expecting fewer draws are pooled
INDEPENDENT_DRAWS = "every draw is independent of the others: of the other rows and of earlier calls"


def chi_square(counts: torch.Tensor, probs: torch.Tensor) -> dict:
    """Pearson's test of (R, V) counts against (R, V) probabilities, one joint statistic
    over the R rows. Tokens of probability 0 are left out (the support check covers
    them); bins expecting fewer than MIN_EXPECTED draws are pooled into one bin, and a
    pool still below it joins the smallest remaining bin."""
    stat, df = 0.0, 0
    worst = None  # (z, row, token, expected, observed): the largest deviation, for the message
    for r in range(probs.shape[0]):
        n = float(counts[r].sum())
        support = (probs[r] > 0).nonzero().flatten()
        expected = n * probs[r, support].double() / float(probs[r, support].double().sum())
        observed = counts[r, support].double()
        z = (observed - expected).abs() / expected.clamp(min=MIN_EXPECTED).sqrt()  # rare tokens cannot dominate
        i = int(z.argmax())
        if worst is None or float(z[i]) > worst[0]:
            worst = (float(z[i]), r, int(support[i]), float(expected[i]), int(observed[i]))
        small = expected < MIN_EXPECTED
        if small.any():
            e = torch.cat([expected[~small], expected[small].sum().reshape(1)])
            o = torch.cat([observed[~small], observed[small].sum().reshape(1)])
            if e[-1] < MIN_EXPECTED and len(e) > 1:
                j = int(e[:-1].argmin())
                e[j], o[j] = e[j] + e[-1], o[j] + o[-1]
                e, o = e[:-1], o[:-1]
            expected, observed = e, o
        stat += float(((observed - expected) ** 2 / expected).sum())
        df += len(expected) - 1
    if df == 0:
        p_value = 1.0
    else:
        p_value = float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                                torch.tensor(stat / 2, dtype=torch.float64)))
    return {"stat": stat, "df": df, "p_value": p_value, "worst": worst}


MIN_DF_TOO_EVEN = 6  # with fewer degrees of freedom a lattice point can sit on the expected counts
# Stricter than ALPHA: with many rare tokens the statistic's variance is a little above 2 df, which
# fattens the lower tail the chi-square distribution predicts (about 3x at 1e-3 over 2,400 tests of
# correct samplers, benchmarks/independence_false_failures.py). A shared random number spread over
# the rows gives a statistic near 0: p below 1e-10 on 7 degrees of freedom, far below on 200.
ALPHA_TOO_EVEN = 1e-9


def lower_tail(test: dict) -> float:
    """P(chi-square <= stat) under the fit: counts too EVEN for independent draws (a
    low-discrepancy or stratified spread of one random number) make it tiny."""
    if test["df"] < MIN_DF_TOO_EVEN:
        return 1.0
    return float(torch.special.gammainc(torch.tensor(test["df"] / 2, dtype=torch.float64),
                                        torch.tensor(test["stat"] / 2, dtype=torch.float64)))


def fit(counts: torch.Tensor, rows: torch.Tensor, n: int, label: str = "draws") -> Comparison:
    """The chi-square verdict on valid counts, two-sided: counts too far from the
    probabilities, or too close to them for independent draws (the multinomial's variance)."""
    test = chi_square(counts, rows)
    even = lower_tail(test)
    details = {"chi_square": test["stat"], "df": test["df"], "p_value": test["p_value"], "alpha": ALPHA, "draws": n,
               "p_too_even": even}
    if even < ALPHA_TOO_EVEN:
        return Comparison(False, f"{label} are too evenly spread to be independent draws: chi-square "
                          f"{test['stat']:.3g} on {test['df']} degrees of freedom, where independent draws give about "
                          f"{test['df']} (probability {even:.2g} < {ALPHA_TOO_EVEN:g} of one this small; {n} draws per "
                          "distribution). The counts follow the probabilities more closely than chance allows: the "
                          "rows share their randomness (one random number spread over the rows, or stratified "
                          "draws); draw one independent uniform per row from the generator",
                          None, details, rule=INDEPENDENT_DRAWS)
    if test["p_value"] >= ALPHA:
        return Comparison(True, "", None, details)
    _, r, j, e, o = test["worst"]
    where = f"token {j}" + (f" of distribution {r}" if rows.shape[0] > 1 else "")
    details.update(index=[r, j] if rows.shape[0] > 1 else [j], expected_value=e / n, actual_value=o / n)
    p_value = f"{test['p_value']:.2g}" if test["p_value"] > 0 else "below 1e-300"
    return Comparison(False, f"{label} do not follow the given probabilities: chi-square {test['stat']:.1f} on "
                      f"{test['df']} degrees of freedom, p-value {p_value} < {ALPHA:g} ({n} draws per "
                      f"distribution); furthest off: {where}, expected about {e:.0f} draws ({e / n:.2%}), "
                      f"got {o} ({o / n:.2%})", None, details)


# --------------------------------------------------------------------------- joint structure
PAIR_GROUPS = 6  # each distribution is coarsened into at most this many runs of consecutive tokens


def _groups(probs: torch.Tensor, groups: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(R, V) -> token -> group index (R, V) and group probabilities (R, groups): runs of
    consecutive tokens of about equal mass, so that a dependence between the uniforms two
    draws come from (an inverse CDF is monotone in u) shows as a dependence between groups."""
    p = probs.double() / probs.double().sum(-1, keepdim=True)
    mid = p.cumsum(-1) - p / 2
    group = (mid * groups).floor().long().clamp(0, groups - 1)
    mass = torch.zeros(p.shape[0], groups, dtype=torch.float64).scatter_add_(1, group, p)
    return group, mass


def pair_fit(first: torch.Tensor, second: torch.Tensor, probs: torch.Tensor, first_class: torch.Tensor,
             second_class: torch.Tensor, label: str) -> Comparison:
    """Are paired draws independent? first[j] follows probs[first_class[j]], second[j] follows
    probs[second_class[j]]; the pairs of each (class, class) combination are counted over
    coarsened tokens and tested against the product of their two distributions (chi-square,
    pooled as `chi_square` pools, at level ALPHA)."""
    group, mass = _groups(probs, PAIR_GROUPS)
    G = PAIR_GROUPS
    a = group[first_class, first]
    b = group[second_class, second]
    combos = torch.stack([first_class, second_class], 1).unique(dim=0)
    counts, expected = [], []
    for fc, sc in combos.tolist():
        pick = (first_class == fc) & (second_class == sc)
        cell = a[pick] * G + b[pick]
        counts.append(torch.bincount(cell, minlength=G * G)[: G * G])
        expected.append((mass[fc][:, None] * mass[sc][None, :]).reshape(-1))
    test = chi_square(torch.stack(counts), torch.stack(expected))
    details = {"chi_square": test["stat"], "df": test["df"], "p_value": test["p_value"], "alpha": ALPHA,
               "pairs": int(first.numel())}
    if test["p_value"] >= ALPHA:
        return Comparison(True, "", None, details)
    p_value = f"{test['p_value']:.2g}" if test["p_value"] > 0 else "below 1e-300"
    return Comparison(False, f"{label} are not independent: over {first.numel()} pairs, which tokens the two draws "
                      f"of a pair land on are related (chi-square {test['stat']:.1f} on {test['df']} degrees of "
                      f"freedom against independent draws, p-value {p_value} < {ALPHA:g}). Each draw needs its own "
                      "independent uniform from the generator: no random number shared, mirrored (u and 1 - u) or "
                      "shifted from one row or call to the next", None, details, rule=INDEPENDENT_DRAWS)


# `grader.compare`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/compare.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.compare", _sys.modules[__name__])
