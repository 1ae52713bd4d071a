"""An output with NaN where the right one is finite, on a case whose inputs hold infinities (logits of -inf for
banned tokens): the experiment that places it runs the same case once more with every infinity replaced by a
large finite number of its sign, and compares with the reference on those very inputs. Right there means the
NaN is made from the infinite inputs themselves (arithmetic such as 0 * -inf or -inf - -inf), and the rest of
the computation is right; still wrong says nothing, and nothing is said.

Only for a problem whose reference is here (its answer on the changed inputs is computed, not assumed), and
only when the case's output is a plain tensor."""

from __future__ import annotations

import dataclasses
import warnings

import torch

from ..course.cases import Case, case_tolerance, clone
from ..evidence.compare import close
from ..sandbox.parent import Job, JobCase
from ..sandbox.status import Status
from .sources import source_for

BIG = 1e9  # finite in float32 and float64; exp(-BIG / T) is 0 for any temperature a case uses


def finite_stand_ins(inputs: dict) -> dict | None:
    """The inputs with +-inf replaced by +-BIG, or None when no input holds an infinity."""
    changed, any_inf = {}, False
    for name, value in inputs.items():
        if isinstance(value, torch.Tensor) and value.is_floating_point() and bool(torch.isinf(value).any()):
            any_inf = True
            value = torch.where(torch.isinf(value), torch.sign(value) * BIG, value).to(value.dtype)
        changed[name] = value
    return changed if any_inf else None


NAN_ON_CASE = "your output holds NaN or inf where the right one is finite, on "


def place_the_nan(problem, report, finding, *, job: Job, sandbox):
    """`finding` (the failing check's "NaN where the right one is finite") placed by the experiment, or as it was."""
    if finding is None or not finding.name.startswith(NAN_ON_CASE) or job is None \
            or len(job.cases) != len(report.cases):
        return finding
    at = next((i for i, c in enumerate(report.cases) if not c.passed), None)
    if at is None:
        return finding
    result, job_case = report.cases[at], job.cases[at]
    case = Case(result.name, clone(job_case.inputs), "", options=dict(job_case.options))
    if not right_without_infinities(problem, case, job=job, sandbox=sandbox):
        return finding
    where = finding.changed
    return dataclasses.replace(
        finding, name=f"your output holds NaN where the right one is finite, on {where}, and is right once the "
                      "infinite inputs are replaced by large finite numbers: the NaN is made from the infinities "
                      "themselves (arithmetic on them such as 0 * -inf or -inf - (-inf))",
        explanation=f"{finding.explanation} The grader ran that case again with every -inf in its inputs replaced by "
                    f"{-BIG:.0e} (and +inf by {BIG:.0e}); there your output equals the right one computed on those "
                    "inputs. So the rest of your computation is right, and the NaN comes from the infinite values: "
                    "keep -inf out of products and differences (mask with torch.where or masked_fill instead).",
        hint="Select with torch.where(keep, x, -inf) or x.masked_fill(~keep, -inf): multiplying by a 0/1 mask turns "
             "-inf into NaN.")


def right_without_infinities(problem, case: Case, *, job: Job, sandbox) -> bool:
    """True when the learner's output on `case` with its infinities made finite equals the reference's there."""
    if not problem.has_reference or job is None or sandbox is None:
        return False
    stand_in = finite_stand_ins(case.pristine_inputs())
    if stand_in is None:
        return False
    source = source_for(problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = source.expected(dataclasses.replace(case, inputs=clone(stand_in), expected=None))
        except Exception:
            return False
    if type(expected) is not torch.Tensor or not bool(torch.isfinite(expected).all()):
        return False
    outcomes = sandbox.run_check(dataclasses.replace(job, cases=[JobCase(stand_in, dict(case.options))]))
    outcome = outcomes[0] if outcomes else None
    if outcome is None or outcome.status != Status.OK or not isinstance(outcome.value, dict):
        return False
    got = outcome.value.get("output")
    return type(got) is torch.Tensor and got.shape == expected.shape and bool(torch.isfinite(got).all()) \
        and close(expected, got, *case_tolerance(problem, case))
