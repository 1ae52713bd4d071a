"""The verdict data: one result per case, one report per check. Plain, JSON-ready.

`Report.to_dict()` is the `--json` output; its schema is grader/verdict/schema/report.schema.json
(REPORT_SCHEMA), documented in docs/how-grading-works.md. In it a case's sandbox status is
called `outcome`: "ok" there means the code ran and returned, and `passed` says whether
what it returned was right.

The JSON is strict (RFC 8259): a non-finite number anywhere in it (an error of NaN, an
expected value of infinity) is written as the string "nan", "inf" or "-inf", never as
the bare `NaN`/`Infinity` that Python's json module emits and strict parsers refuse; a
case with no traceback has `"traceback": null`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..policy.violations import Violation

REPORT_SCHEMA = Path(__file__).resolve().parent / "schema" / "report.schema.json"


@dataclass
class CaseResult:
    name: str
    passed: bool
    message: str = ""
    about: str = ""
    status: str = "ok"  # what happened in the sandbox (ok, exception, timeout, ...)
    max_abs_error: float | None = None
    details: dict = field(default_factory=dict)
    traceback: str = ""
    output: str = ""  # what the learner's code printed, truncated
    output_truncated: int = 0
    elapsed: float = 0.0
    diagnosis: dict | None = None  # the known mistake this output matches, if any
    rule: str = ""  # failed on a rule of the contract (grader/evidence/compare.py's Comparison.rule), not on values


@dataclass
class Report:
    problem: str
    title: str
    file: str
    seed: int
    passed: bool = False
    score: float = 0.0
    cases: list[CaseResult] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None  # a failure before any case ran (syntax error, missing file)
    error_kind: str | None = None
    diagnosis: dict | None = None  # the mistake named across failing cases
    localisation: list[dict] = field(default_factory=list)  # where the output goes wrong
    elapsed: float = 0.0
    isolation: str | None = None  # how the learner's code was confined: namespaces, uid or none
    start_method: str | None = None  # "spawn" when the child was a fresh interpreter (grader/sandbox/start_method.py), else None

    @property
    def first_failure(self) -> CaseResult | None:
        return next((c for c in self.cases if not c.passed), None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["violations"] = [v.to_dict() for v in self.violations]
        data["cases"] = [case_json(c) for c in data["cases"]]
        if data["start_method"] is None:  # fork, the usual way: not said
            del data["start_method"]
        return strict_values(data)


NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def strict_values(value):
    """`value` with every non-finite float replaced by its name ("nan", "inf", "-inf"),
    so that json.dumps(..., allow_nan=False) accepts it and any strict parser reads it."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: strict_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_values(v) for v in value]
    return value


def case_json(case: dict) -> dict:
    """A case as the JSON shows it: the sandbox's status is its `outcome` ("ok": the code ran
    and returned), so that a wrong answer does not read `"status": "ok"` next to `"passed": false`."""
    out = {"name": case["name"], "passed": case["passed"], "outcome": case["status"]}
    out.update((k, v) for k, v in case.items() if k not in out and k != "status")
    out["traceback"] = out.get("traceback") or None  # null, not "" (nor the string "None"), when there is none
    return out
