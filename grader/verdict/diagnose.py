"""Naming the mistake: run the problem's known mistakes on the same inputs and name one
only if it explains the learner's output on every case that produced one, and the
output is really wrong. A mistake that no variant explains is reported as such."""

from __future__ import annotations

import warnings

from ..evidence.compare import close
from ..course.cases import case_tolerance

MISSING = object()  # grader/verdict/class_work.py's marker for an output it did not compute


def _outputs_of(problem, mistake, case):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mistake.fn(**case.pristine_inputs())
    except Exception:
        return None


def mistake_outputs_on(problem, cases) -> dict:
    """Every known mistake's output on every case, (index, case name) -> output: the same
    for every learner of a class (grader/verdict/class_work.py computes it once)."""
    return {(i, c.name): _outputs_of(problem, mistake, c)
            for i, mistake in enumerate(getattr(problem.reference, "MISTAKES", [])) for c in cases}


def matching_mistakes(problem, cases, values: dict, known=None) -> list:
    """`known`: a ClassWork whose precomputed outputs are used where it has them."""
    mistakes = list(getattr(problem.reference, "MISTAKES", []))
    judged = [c for c in cases if c.name in values and "output" in values[c.name]]
    if not judged:
        return []

    def output(i, mistake, case):
        if known is not None:
            out = known.mistake_output(i, case)
            if out is not MISSING:
                return out
        return _outputs_of(problem, mistake, case)

    found = []
    for i, mistake in enumerate(mistakes):
        if all(close(output(i, mistake, c), values[c.name]["output"], *case_tolerance(problem, c))
               for c in judged):
            found.append(mistake)
    return found


def _judged_mistake(report) -> dict | None:
    """A mistake the problem's own judge recognised, if every failing case that named one
    named the same one."""
    named = [c.diagnosis for c in report.cases if not c.passed and c.diagnosis]
    names = {d["name"] for d in named}
    return named[0] if len(names) == 1 else None


def diagnose_report(problem, report, cases, values: dict, known=None) -> None:
    judged = _judged_mistake(report)
    if judged is not None:
        report.diagnosis = judged
        return
    failing = {c.name for c in report.cases if not c.passed}
    if not failing or not any(name in values for name in failing):
        return
    found = matching_mistakes(problem, cases, values, known)
    if not found:
        # Not a catalogued mistake: perhaps a single automatic edit of the reference (proven only by an exact match).
        from .variant_match import diagnose_by_variants, variant_table

        table = getattr(known, "variant_table", None)
        if table is None and problem.has_reference:
            table = variant_table(problem, report.seed, cases)
        if diagnose_by_variants(problem, report, cases, values, table) is None:
            from .precision import diagnose_precision

            if diagnose_precision(problem, report, cases, values) is None:
                # A scale read from the wrong size: no single edit knows the size, a fitted divisor does.
                from .fitted_scale import diagnose_by_fitted_scale

                diagnose_by_fitted_scale(problem, report, cases, values, table)
        return
    names = list(dict.fromkeys(m.name for m in found))  # one mistake may have several variants
    if len(names) > 1:
        # Different mistakes explain every output equally well: naming one would be a guess.
        report.localisation.append({
            "title": "several known mistakes fit", "kind": "ambiguous", "candidates": names,
            "text": "Your output matches each of these on every case, so the grader cannot tell which one "
                    "it is:\n" + "\n".join(f"  - {n}" for n in names)})
        return
    mistake = found[0]
    report.diagnosis = mistake.to_dict()
    for result in report.cases:
        if not result.passed and result.name in values:
            result.diagnosis = mistake.to_dict()
