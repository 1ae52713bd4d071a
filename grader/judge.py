"""Turning what the sandbox sent back into a verdict for one case.

The expected value is computed here, in the parent, from a pristine copy of the
case's inputs, after the child has finished. A reference module may define
`judge(case, value, tolerance)` for problems whose verdict is more than one
comparison (a property, a count of work, a statistical test); it returns one or more
`Comparison`s.
"""

from __future__ import annotations

import warnings

import torch

from .cases import Case
from .compare import Comparison, compare_tensors
from .results import CaseResult
from .sandbox import Outcome

STATUS_TITLES = {
    "exception": "your code raised an exception",
    "syntax-error": "syntax error",
    "import-error": "importing your file failed",
    "missing-entry": "entry point missing",
    "wrong-signature": "wrong signature",
    "bad-output": "unusable output",
    "timeout": "time limit exceeded",
    "cpu-limit": "CPU-time limit exceeded",
    "memory-limit": "memory limit exceeded",
    "exited": "the process exited early",
    "crashed": "the process crashed",
    "banned": "banned API called",
    "sandbox-error": "sandbox failure",
}


def case_tolerance(problem, case: Case) -> tuple[float, float]:
    if case.tolerance is not None:
        return case.tolerance
    for value in case.inputs.values():
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return problem.tolerance(str(value.dtype).removeprefix("torch."))
    return problem.tolerance("float32")


def expected_output(problem, case: Case):
    if case.expected is not None:
        return case.expected
    reference = problem.reference
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference's warnings are not the learner's business
        return getattr(reference, problem.entry)(**case.pristine_inputs())


def judge(problem, case: Case, outcome: Outcome) -> CaseResult:
    result = CaseResult(name=case.name, passed=False, about=case.about, status=outcome.status,
                        output=outcome.output, output_truncated=outcome.output_truncated,
                        elapsed=outcome.elapsed, traceback=outcome.traceback)
    if outcome.status != "ok":
        title = STATUS_TITLES.get(outcome.status, outcome.status)
        result.message = f"{title}: {outcome.message}" if outcome.message else title
        return result
    value = outcome.value
    tol = case_tolerance(problem, case)
    custom = getattr(problem.reference, "judge", None) if problem.has_reference else None
    if custom is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verdicts = custom(case, value, tol)
        verdicts = [verdicts] if isinstance(verdicts, Comparison) else list(verdicts)
    else:
        verdicts = [compare_tensors(expected_output(problem, case), value.get("output"), *tol)]
        verdicts.append(check_inputs_unchanged(case, value, problem.mutable_inputs))
    failed = [v for v in verdicts if not v.passed]
    main = failed[0] if failed else verdicts[0]
    result.passed = not failed
    result.message = main.message
    result.max_abs_error = verdicts[0].max_abs_error
    result.details = main.details
    if failed and main.mistake:
        result.diagnosis = dict(main.mistake)
    return result


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
                              "compute into new tensors instead (e.g. `x - mean`, not `x -= mean`)")
    return Comparison(True, "")
