"""A float64 case computed in float32 precision: the learner's float64 outputs are off
by float32-sized errors while every float32 case passes.

Two readings of the same failing cases, both measured: every float64 value the learner
returned is exactly a float32 number (a float32 result cast back to float64) while the
right answer's are not, which is proof, and only then is the cause named; or the errors
are only of float32's size (within 1e-5 relative), which a float32 step gives but so does
a constant written with too few digits (0.797885 for sqrt(2/pi)): then the name says
what was measured, the size of the error and where, and no cause.
"""

from __future__ import annotations

import dataclasses

import torch

from ..course.cases import Case
from ..evidence.compare import close
from ..evidence.finding import Confidence, EvidenceKind, Finding
from .sources import source_for

FLOAT32_SIZE = (1e-5, 1e-5)  # (atol, rtol): what computing in float32 can cost
UNPROVEN_PREFIX = "your float64 results are off by up to"  # the measured reading, before the experiment below
NUDGE = 2.0 ** -32  # relative: far below float32's resolution (2^-24), far above float64's (2^-53)
FROZEN, FOLLOWS = 0.1, 1e-3  # the output's change misses 10% of the right change / follows it to 0.1%
FROZEN_SHARE = 0.1  # ... on at least a tenth of the values
FLOAT32_ROUNDING_SIZE = (2.0 ** -26, 16 * 2.0 ** -24)  # a quarter to 16 units of float32's last place, relative


def _dtype(case: Case) -> torch.dtype | None:
    for value in case.inputs.values():
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.dtype
    return None


def _float32_exact(t: torch.Tensor) -> bool:
    finite = t[torch.isfinite(t)]
    return finite.numel() > 0 and bool((finite.to(torch.float32).to(torch.float64) == finite).all())


def float32_finding(problem, report, cases: list[Case], values: dict) -> Finding | None:
    by_name = {c.name: c for c in cases}
    failing = [r for r in report.cases if not r.passed]
    passing32 = [r for r in report.cases if r.passed and r.name in by_name and _dtype(by_name[r.name]) == torch.float32]
    if not failing or not passing32 or any(r.name in by_name and _dtype(by_name[r.name]) == torch.float32
                                           for r in report.cases if not r.passed):
        return None
    source = source_for(problem)
    worst, relative, exact = 0.0, 0.0, True
    for r in failing:
        case = by_name.get(r.name)
        out = (values.get(r.name) or {}).get("output") if isinstance(values.get(r.name), dict) else None
        if case is None or _dtype(case) != torch.float64 or r.status != "ok" or not isinstance(out, torch.Tensor) \
                or out.dtype != torch.float64:
            return None
        expected = source.expected(case)
        if not isinstance(expected, torch.Tensor) or expected.shape != out.shape or expected.dtype != torch.float64:
            return None
        if not close(expected, out, *FLOAT32_SIZE):
            return None  # more than float32's rounding: something else is wrong
        worst = max(worst, float((out - expected).abs().max()))
        scale = float(expected[torch.isfinite(expected)].abs().max()) if bool(torch.isfinite(expected).any()) else 0.0
        relative = max(relative, float((out - expected).abs().max()) / scale if scale > 0 else float("inf"))
        exact = exact and _float32_exact(out) and not _float32_exact(expected)
    names = ", ".join(f'"{r.name}"' for r in failing)
    seen = (f"every float32 case passes; on the float64 case(s) {names} the largest error is {worst:.2g}, "
            "float32's rounding size")
    if exact:
        seen += ", and every value you returned there is exactly a float32 number cast to float64"
        return Finding(name="your float64 case was computed in float32 precision", evidence=EvidenceKind.CHECK,
                       changed="the check's own cases, read by dtype", seen=seen,
                       explanation=f"{seen[0].upper()}{seen[1:]}. A float64 input must be computed in float64 "
                                   "all the way, even when the result is cast back.",
                       hint="Keep the input's dtype through every step: create new tensors with dtype=x.dtype.",
                       confidence=Confidence.PROVEN)
    # Not float32 numbers: a float32 step inside is one way to get errors of this size, a constant with too few
    # digits another; the cases do not tell them apart, so the name is the measurement.
    # Said as the check measured it (5.7e-05 on values near 17 is not float32's rounding, so no size is named).
    # The size is compared with float32's rounding (2^-24, about 6e-08 relative) only as a measurement, and only when
    # it is of that size (a few units of the last float32 place): it names no cause.
    size = (f" (relative to the largest value {relative:.2g}, the size of float32's rounding)"
            if FLOAT32_ROUNDING_SIZE[0] <= relative <= FLOAT32_ROUNDING_SIZE[1] else "")
    seen = (f"every float32 case passes; on the float64 case(s) {names} your values are off by up to {worst:.2g}"
            f"{size}, more than float64's tolerance allows")
    return Finding(name=f"{UNPROVEN_PREFIX} {worst:.2g}{size} while every float32 case passes",
                   evidence=EvidenceKind.CHECK,
                   changed="the check's own cases, read by dtype", seen=seen,
                   explanation=f"{seen[0].upper()}{seen[1:]}. Your values there are not float32 numbers, and the "
                               "grader did not find which step of your code loses the digits.",
                   hint="A float64 input needs float64 all the way: no .float(), tensors created with "
                        "dtype=x.dtype, and constants at full precision (math.sqrt(2 / math.pi), not 0.7979).",
                   confidence=Confidence.CONSISTENT)


def diagnose_precision(problem, report, cases: list[Case], values: dict) -> Finding | None:
    finding = float32_finding(problem, report, cases, values)
    if finding is not None:
        report.diagnosis = finding.to_dict()
    return finding


def _nudged(inputs: dict) -> dict:
    """Every float64 tensor moved by NUDGE of its size, with a fixed sign pattern."""
    g = torch.Generator().manual_seed(0)
    out = {}
    for key, value in inputs.items():
        if isinstance(value, torch.Tensor) and value.dtype == torch.float64:
            sign = torch.randint(0, 2, value.shape, generator=g).to(torch.float64) * 2 - 1
            value = value * (1 + NUDGE * sign)
        out[key] = value
    return out


def nudge_experiment(problem, report, *, job, sandbox) -> Finding | None:
    """Tell a float32 step from a formula that is slightly off, which the sizes alone cannot.

    Every float64 input is moved by 2^-32 of its size: below what float32 can see, well
    above float64's rounding. The right answer moves smoothly. A formula with a constant a
    little off moves the same way (its change agrees to a fraction of a percent); a step
    rounded to float32 does not see the move, so the learner's change misses part of the
    right one (or jumps by a float32 unit). Only a clear result on either side is said."""
    if not (report.diagnosis or {}).get("name", "").startswith(UNPROVEN_PREFIX):
        return None
    failing = {r.name for r in report.cases if not r.passed}
    # Three, not two: a case whose right answer cannot move (a layer norm over d = 1 is 0) tells nothing
    # and is skipped below; the others decide.
    chosen = [c for c in job.cases if c.name in failing][:3]
    if not chosen:
        return None
    moved = [dataclasses.replace(c, inputs=_nudged(c.inputs), name=f"{c.name} (inputs moved by 2^-32)") for c in chosen]
    outcomes = sandbox.run_check(dataclasses.replace(job, cases=[*chosen, *moved]))
    source = source_for(problem)
    ratios = []
    for i, c in enumerate(chosen):
        before, after = outcomes[i], outcomes[len(chosen) + i]
        if before is None or after is None or before.status != "ok" or after.status != "ok" \
                or not isinstance(before.value, dict) or not isinstance(after.value, dict):
            return None
        l0, l1 = before.value.get("output"), after.value.get("output")
        r0 = source.expected(Case(c.name, c.inputs, options=dict(c.options)))
        r1 = source.expected(Case(c.name, moved[i].inputs, options=dict(c.options)))
        tensors = (l0, l1, r0, r1)
        if not all(isinstance(t, torch.Tensor) and t.dtype == torch.float64 and t.shape == r0.shape for t in tensors):
            return None
        finite = torch.isfinite(r0) & torch.isfinite(r1) & torch.isfinite(l0) & torch.isfinite(l1)
        right = (r1 - r0)[finite]
        if right.numel() == 0 or float(right.abs().max()) == 0.0:
            continue  # the right answer does not move on this case: it tells nothing either way
        miss = ((l1 - l0)[finite] - right).abs()
        largest = float(right.abs().max())
        # Frozen: a share of the elements whose change misses FROZEN of their own right change (elements
        # whose right change is tiny against the largest are not judged: a relative miss there means nothing).
        judged = right.abs() > FOLLOWS * largest
        frozen = float((miss[judged] > FROZEN * right.abs()[judged]).to(torch.float64).mean()) if judged.any() else 0.0
        ratios.append((float(miss.max()) / largest, frozen))
    if not ratios:
        return None
    worst = max(r for r, _ in ratios)
    frozen_share = max(f for _, f in ratios)
    before = report.diagnosis
    if frozen_share >= FROZEN_SHARE:
        finding = Finding(
            name="part of your float64 computation runs in float32 precision (or lower)",
            evidence=EvidenceKind.CHECK, changed="every float64 input moved by 2^-32 of its size",
            seen=f"on {frozen_share:.0%} of the values your output's change misses the right change by 10% or more",
            explanation=f"{before['explanation'].split('. ')[0]}. Then the grader moved every float64 input by "
                        "2^-32 (about 2e-10) of its size: too little for float32 to see, plenty for float64. The "
                        f"right answer moves smoothly; on {frozen_share:.0%} of the values your output's change "
                        "misses it by 10% or more, so some step of your code does not see changes that small: it "
                        "rounds to float32 or lower.",
            hint="Keep the input's dtype through every step: create new tensors with dtype=x.dtype.",
            confidence=Confidence.PROVEN)
    elif worst <= FOLLOWS:
        finding = Finding(
            name=f"{before['name']}; no step loses precision: your formula computes slightly different values",
            evidence=EvidenceKind.CHECK, changed="every float64 input moved by 2^-32 of its size",
            seen=f"your output's change follows the right change to {worst:.1e} of its size",
            explanation=f"{before['explanation'].split('. ')[0]}. Then the grader moved every float64 input by "
                        "2^-32 (about 2e-10) of its size, too little for float32 to see: your output follows the "
                        f"right answer's change to {worst:.1e} of its size, so no step rounds them to float32. The "
                        "difference is in the formula itself: a value in it is slightly off.",
            hint="Compare each constant and term with the statement: full precision (math.sqrt(2 / math.pi), not "
                 "0.7979) and the exact values it gives.",
            confidence=Confidence.CONSISTENT)
    else:
        return None
    report.diagnosis = finding.to_dict()
    return finding
