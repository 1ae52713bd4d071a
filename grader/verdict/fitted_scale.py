"""Diagnosis by a fitted divisor: the learner's output equals the reference's with one division by a
square root (an attention scale, sqrt(d_head)) dividing by another number, found by a fit.

No single edit of the reference reproduces a scale read from the wrong size (sqrt(max_len),
sqrt(d) for sqrt(d_head)): the edit would have to know the size. So, when no variant matched,
each division by a square root of the reference is routed through a hook
(grader/evidence/variants.py's `scale_sites`), and on each failing deterministic case the
divisor is fitted (a log-spaced grid, then a golden-section search) until the reference's
output equals the learner's within the check's tolerance. Only when that happens on EVERY
failing case (the two smallest fitted; the others run with the one divisor found, or each
fitted when the divisors differ by case), at one place, with a divisor that differs from
the right one, and, for one divisor, when the cases the learner passed agree with it too
(a scale written inside the causal branch fits 1 on the non-causal cases, and the causal
ones refute it), is it said: the
fit is exact on every value of every case, so the name is what was measured ("your code
behaves exactly like the right one with the division by a square root in <role> dividing by
4 = sqrt(16) where the right one divides by 2.828 = sqrt(8)"). Trusted code only (the
reference), run in the grader's process like the variants.
"""

from __future__ import annotations

import math
import warnings

import torch

from ..course.cases import Case, case_tolerance
from ..course.loader import Problem
from ..evidence.compare import close
from ..evidence.finding import Confidence, EvidenceKind, Finding
from ..evidence.variants import ScaleSetting, build, scale_sites, solution_units
from .inprocess import LocalContext, load_probe
from .torch_threads import one_torch_thread

MAX_CASES = MIN_CASES = 2  # failing cases fitted first (the smallest), each an independent fit; both must fit
# The search's cost, counted in runs of the reference (not seconds: a loaded machine must not change what is
# said): the pass-through runs of every failing case, then about 50 per fitted case and place.
MAX_RUNS = 420  # every failing case is fitted when the divisors differ by case (about 55 runs each)


class _OutOfRuns(Exception):
    pass


class _Runs:
    left = MAX_RUNS
GRID = [2.0 ** k for k in range(-6, 7)]  # the right divisor times 1/64 .. 64
GOLDEN_STEPS = 36  # a bracket of a factor 4 narrowed to a relative 1e-7


def _run(problem: Problem, probe, fn, case: Case, divisor: float | None):
    from ..sandbox.child import sanitize

    if _Runs.left <= 0:
        raise _OutOfRuns()
    _Runs.left -= 1
    ScaleSetting.divisor, ScaleSetting.seen = divisor, []
    try:
        value = sanitize(probe(fn, case.pristine_inputs(), LocalContext(case.options)))
    except Exception:
        return None
    finally:
        ScaleSetting.divisor = None
    out = value.get("output") if isinstance(value, dict) else None
    return out if isinstance(out, torch.Tensor) else None


def _error(out, learner: torch.Tensor, tol) -> float:
    """How far `out` is from the learner's output, in units of the tolerance (<= 1: within it)."""
    if out is None or out.shape != learner.shape or not out.is_floating_point():
        return math.inf
    a, b = out.double(), learner.double()
    if not bool(torch.isfinite(a).all()) or not bool(torch.isfinite(b).all()):
        return math.inf
    return float(((a - b).abs() / (tol[0] + tol[1] * b.abs())).max())


def _fit(run, learner, tol, right: float) -> float | None:
    """The divisor that makes the reference give the learner's output, or None."""
    grid = [(right * g, _error(run(right * g), learner, tol)) for g in GRID]
    best = min(range(len(grid)), key=lambda i: grid[i][1])
    if not math.isfinite(grid[best][1]):
        return None
    lo, hi = math.log(grid[max(best - 1, 0)][0]), math.log(grid[min(best + 1, len(grid) - 1)][0])
    ratio = (math.sqrt(5) - 1) / 2
    c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fc, fd = _error(run(math.exp(c)), learner, tol), _error(run(math.exp(d)), learner, tol)
    for _ in range(GOLDEN_STEPS):
        if fc <= fd:
            hi, d, fd = d, c, fc
            c = hi - ratio * (hi - lo)
            fc = _error(run(math.exp(c)), learner, tol)
        else:
            lo, c, fc = c, d, fd
            d = lo + ratio * (hi - lo)
            fd = _error(run(math.exp(d)), learner, tol)
    s = math.exp(c if fc <= fd else d)
    # The search stops at a relative 1e-7, short of a float64 case's tolerance: a divisor that is the root of a
    # whole number (sqrt(max_len)) or a whole number is tried as such too.
    for candidate in dict.fromkeys((s, math.sqrt(round(s * s)), float(round(s)))):
        if candidate > 0 and abs(candidate / s - 1) < 1e-5:
            out = run(candidate)
            if out is not None and close(out, learner, *tol):
                return candidate
    return None


def diagnose_by_fitted_scale(problem: Problem, report, cases: list[Case], values: dict, table) -> Finding | None:
    """Set `report.diagnosis` when a fitted divisor reproduces the learner on every fitted failing case."""
    if table is None or not problem.has_reference:
        return None
    failing = {c.name for c in report.cases if not c.passed}
    if any(c.rule for c in report.cases if not c.passed):
        return None  # a broken rule of the contract (inputs edited in place, a shape) says it; a fit would guess
    judged = []
    for c in cases:
        learner = values.get(c.name, {}).get("output") if isinstance(values.get(c.name), dict) else None
        ref = table.reference.get(c.name)
        # Only a case whose OUTPUT is wrong says anything about a divisor (a case may fail on a cache or a rule).
        if c.name in failing and isinstance(learner, torch.Tensor) and isinstance(ref, torch.Tensor) \
                and learner.is_floating_point() and learner.shape == ref.shape and learner.dtype == ref.dtype \
                and not close(ref, learner, *case_tolerance(problem, c)):
            judged.append((c, learner))
    if not judged:
        return None
    passing = []  # the deterministic cases the learner passed, with its outputs: a fitted divisor must keep them
    for c in cases:
        learner = values.get(c.name, {}).get("output") if isinstance(values.get(c.name), dict) else None
        if c.name not in failing and c.name in table.reference and isinstance(learner, torch.Tensor):
            passing.append((c, learner, case_tolerance(problem, c)))
    units = solution_units(problem.reference, problem.entry)
    sites = scale_sites(units)
    if not sites:
        return None
    probe = load_probe(problem)
    _Runs.left = MAX_RUNS
    try:
        with one_torch_thread(), warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            for site in sites:
                try:
                    found = _fit_site(problem, probe, units, site, judged, table, passing)
                except _OutOfRuns:
                    return None
                if found:
                    finding = _finding(units, site, found, len(judged))
                    report.diagnosis = finding.to_dict()
                    return finding
    finally:
        ScaleSetting.divisor, ScaleSetting.seen = None, []
    return None


def _fit_site(problem, probe, units, site, judged, table, passing=()) -> list | None:
    """Every failing case in `judged` must be reproduced: the smallest MAX_CASES are fitted; with one divisor
    among them the rest are run with it, otherwise each is fitted too (within the run budget, else nothing)."""
    try:
        fn = build(units, (site,))
    except Exception:
        return None
    found = []
    ready = []
    for case, learner in judged:
        tol = case_tolerance(problem, case)
        passthrough = _run(problem, probe, fn, case, None)
        seen = [v for v in ScaleSetting.seen]
        # The hook must change nothing by itself, see one scalar divisor (every call of the case divides by
        # the same number), and that divisor must matter for this case's output.
        if passthrough is None or not close(table.reference[case.name], passthrough, *tol) or not seen \
                or None in seen or max(seen) - min(seen) > 1e-12 * max(abs(seen[0]), 1.0) or seen[0] <= 0:
            return None
        ready.append((_size(case), case, learner, tol, seen[0]))
    ready.sort(key=lambda r: r[0])  # the smallest cases (the quickest): each fit runs the reference about 50 times
    for n, (_, case, learner, tol, right) in enumerate(ready):
        if n >= MAX_CASES and _one_divisor(found):
            # One divisor explains the fitted cases: every other failing case must give the learner's output with it.
            out = _run(problem, probe, fn, case, found[0][2])
            if out is None or not close(out, learner, *tol):
                return None
            continue
        fitted = _fit(lambda s, case=case: _run(problem, probe, fn, case, s), learner, tol, right)
        if fitted is None:
            return None
        # Identifiable: a divisor 1% away must NOT reproduce the learner (one key per query, say, makes every
        # divisor give the same output, and then the fit says nothing about the learner's).
        for other in (fitted * 1.01, fitted / 1.01):
            moved = _run(problem, probe, fn, case, other)
            if moved is None or close(moved, learner, *tol):
                return None
        found.append((case, right, fitted))
    if len(found) < MIN_CASES or not any(abs(f / r - 1) > 1e-3 for _, r, f in found):
        return None
    if _one_divisor(found) and not _passing_agree(problem, probe, fn, passing, found[0][2]):
        return None
    return found


def _one_divisor(found) -> bool:
    return bool(found) and all(abs(f / found[0][2] - 1) < 1e-6 for _, _, f in found)


def _passing_agree(problem, probe, fn, passing, divisor: float) -> bool:
    """The distinguishing condition of one divisor: the cases the learner PASSED give the learner's output with it
    too (a scale written inside the causal branch fits 1 on every non-causal case, and the causal cases, which the
    learner's code does scale, refute "your code divides by 1")."""
    for case, learner, tol in passing:
        out = _run(problem, probe, fn, case, divisor)
        if out is None or not close(out, learner, *tol):
            return False
    return True


def _size(case: Case) -> int:
    """How much a case computes, roughly: the elements of its tensor inputs (a deterministic order, unlike timing)."""
    return sum(v.numel() for v in case.inputs.values() if isinstance(v, torch.Tensor))


def _number(x: float) -> str:
    square = x * x
    root = f" = sqrt({round(square)})" if abs(square - round(square)) < 1e-6 * max(square, 1) else ""
    return f"{x:.4g}{root}"


def _finding(units, site, found, reproduced: int) -> Finding:
    """`found`: the fitted cases; `reproduced`: every failing case the divisor(s) gave the learner's output on."""
    unit = units[site.unit]
    where = f"{site.phrase} in {unit.roles.get(site.line) or unit.role}"
    pairs = list(dict.fromkeys((round(f, 6), round(r, 6)) for _, r, f in found))
    per_case = [f'on the case "{c.name}" by {_number(f)} where the right one divides by {_number(r)}'
                for c, r, f in found]
    if len(pairs) == 1:
        f, r = pairs[0]
        what = full = f"{where} dividing by {_number(f)} where the right one divides by {_number(r)}"
    else:
        more = len(per_case) - MAX_CASES
        what = f"{where} dividing by another number: " + "; ".join(per_case[:MAX_CASES]) + \
            (f"; and {more} more failing case(s), each by its own number" if more > 0 else "")
        full = f"{where} dividing by another number: " + "; ".join(per_case)
    cases = ", ".join(f'"{c.name}"' for c, _, _ in found)
    checked = (f" The {reproduced - len(found)} other failing case(s) give your output with that divisor too, and the "
               "cases you passed agree with it." if reproduced > len(found) else "")
    return Finding(name=f"your code behaves exactly like the right one with {what}",
                   explanation=(f"The grader ran the right solution with {where} set to a free number and fitted that "
                                f"number to your output on the failing case(s) {cases}: with {full}, the right "
                                "solution gives your output on every value, within the check's tolerance." + checked),
                   evidence=EvidenceKind.VARIANT, changed="the right solution with one divisor fitted, on the check's "
                   "own failing cases", seen="your output on every failing case, within the check's tolerance",
                   confidence=Confidence.PROVEN)
