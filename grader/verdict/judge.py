"""Turning what the sandbox sent back into a verdict for one case.

The expected value is computed here, in the parent, from a pristine copy of the
case's inputs, after the child has finished. Three kinds of judge, first found wins:

- a PUBLIC judge, `problems/<slug>/judge.py` defining `judge(case, value, tolerance,
  expected)`: `expected` is plain data the hidden side computes from the case's pristine
  inputs alone (the reference's optional `expected(case)`; None without one), so a
  learner's bundle can ship it in fixtures.pt and check the problem offline. The file
  may import only torch, math and grader's public helpers, never the reference;
- the reference's own `judge(case, value, tolerance)`, for verdicts that need the
  reference at check time (e.g. recomputed from states the learner's code produced);
- the default: the entry's output against the reference's, and no input edited in place.

The custom judges return one or more `Comparison`s.
"""

from __future__ import annotations

import warnings

import torch

from ..course.cases import Case, case_tolerance  # noqa: F401 (case_tolerance: for callers)
from ..evidence.compare import UNCHANGED_INPUTS, Comparison, compare_tensors
from .sources import PUBLIC_JUDGE_FILE, has_public_judge, public_judge_module, public_module, source_for  # PUBLIC_JUDGE_FILE: for references and validate)
from .results import CaseResult
from ..sandbox.parent import Outcome
from ..sandbox.status import Status



def judge_kind(problem) -> str:
    """"public", "reference" or "default": which judge decides this problem's cases."""
    if has_public_judge(problem):
        return "public"
    if source_for(problem).custom_judge is not None:
        return "reference"
    return "default"


def expected_output(problem, case: Case):
    """What the judge compares against: the entry's output on the pristine inputs, or, for
    a problem with a public judge, the reference's `expected(case)` (None without one).
    A case from fixtures carries it already."""
    return source_for(problem).expected(case)


def judge(problem, case: Case, outcome: Outcome) -> CaseResult:
    result = CaseResult(name=case.name, passed=False, about=case.about, status=outcome.status,
                        output=outcome.output, output_truncated=outcome.output_truncated,
                        elapsed=outcome.elapsed, traceback=outcome.traceback)
    if outcome.status != Status.OK:
        title = Status.parse(outcome.status).title
        result.message = f"{title}: {outcome.message}" if outcome.message else title
        return result
    try:
        verdicts = case_verdicts(problem, case, outcome.value, case_tolerance(problem, case))
    except Exception as exc:  # a value no judge foresaw is the learner's unusable output, never a crash
        result.status = Status.BAD_OUTPUT
        result.message = f"{Status.BAD_OUTPUT.title}: the output could not be judged ({type(exc).__name__})"
        return result
    failed = [v for v in verdicts if not v.passed]
    main = failed[0] if failed else verdicts[0]
    result.passed = not failed
    result.message = main.message
    result.max_abs_error = verdicts[0].max_abs_error
    result.details = main.details
    if failed and main.mistake:
        result.diagnosis = dict(main.mistake)
    result.rule = main.rule if failed else ""
    return result


def case_verdicts(problem, case: Case, value: dict, tol: tuple[float, float]) -> list[Comparison]:
    """Every verdict on one case's value, from whichever judge the problem has."""
    kind = judge_kind(problem)
    if kind == "default":
        return [compare_tensors(expected_output(problem, case), value.get("output"), *tol),
                check_inputs_unchanged(case, value, problem.mutable_inputs)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "public":
            verdicts = public_judge_module(problem).judge(case, value, tol, expected_output(problem, case))
        else:
            verdicts = source_for(problem).custom_judge(case, value, tol)
    return [verdicts] if isinstance(verdicts, Comparison) else list(verdicts)


def check_inputs_unchanged(case: Case, value: dict, mutable: list[str]) -> Comparison:
    """A solution that edits its inputs in place corrupts its caller's tensors."""
    after = value.get("inputs_after") or {}
    for name, original in case.inputs.items():
        if name in mutable or not isinstance(original, torch.Tensor) or name not in after:
            continue
        now = after[name]
        if type(now) is not torch.Tensor or now.shape != original.shape or now.dtype != original.dtype \
                or not torch.equal(torch.nan_to_num(now), torch.nan_to_num(original)):
            return Comparison(False, f"your function changed its input `{name}` in place; "
                              "compute into new tensors instead (e.g. `x - mean`, not `x -= mean`)",
                              rule=UNCHANGED_INPUTS)
    return Comparison(True, "")


# `grader.judge`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/judge.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.judge", _sys.modules[__name__])
