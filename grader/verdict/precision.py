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

import torch

from ..course.cases import Case
from ..evidence.compare import close
from ..evidence.finding import Confidence, EvidenceKind, Finding
from .sources import source_for

FLOAT32_SIZE = (1e-5, 1e-5)  # (atol, rtol): what computing in float32 can cost
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
    return Finding(name=f"your float64 results are off by up to {worst:.2g}{size} while every float32 case passes",
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
