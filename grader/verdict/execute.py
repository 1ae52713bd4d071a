"""Running a problem's cases on a submission, and judging each: the stage of a check
between the static scan and the explanations.

One confined child runs every case (grader/sandbox/parent.py); each verdict is computed here,
in the grader's process (grader/verdict/judge.py). The whole check (grader/verdict/runner.py) and
localisation's checks of building blocks (grader/verdict/localise.py) both come through here,
so a case is run and judged the same way wherever it is asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..course.cases import Case, credited
from ..course.loader import Course, Problem
from .judge import judge
from .results import CaseResult, Report
from ..sandbox.parent import Budget, Job, JobCase, Limits, Sandbox
from .sources import source_for
from ..sandbox.start_method import StartMethod
from ..sandbox.status import Status
from ..policy.violations import Violation

FRESH_RERUN = "fresh_rerun"  # a case option: run the case again in a separate child, with these options


def rerun_options(options: dict) -> dict | None:
    """The options of a case's fresh rerun (its probe sees `rerun`), or None when it asks for none."""
    extra = options.get(FRESH_RERUN)
    return {**options, **extra, "rerun": True} if isinstance(extra, dict) else None


@dataclass(frozen=True)
class Submission:
    """What is checked: a learner's file in a workspace, or source text (a notebook)."""

    file: Path | None = None
    source: str | None = None
    source_name: str = "<notebook>"
    workspace: Path | None = None
    module_name: str | None = None  # the name it is imported under; default: the problem's

    @property
    def display(self) -> str:
        return self.file.name if self.file is not None else self.source_name

    def named(self, module_name: str) -> "Submission":
        return replace(self, module_name=module_name)

    def job(self, course: Course, problem: Problem, cases: list[Case], limits: Limits,
            budget: Budget | None = None) -> Job:
        """`budget`: the check's, when this job is one more run of a check already started."""
        return Job(entry=problem.entry, module_name=self.module_name or problem.module_name,
                   cases=[JobCase(case.inputs, dict(case.options), case.name) for case in cases],
                   learner_file=str(self.file) if self.file else None, learner_source=self.source,
                   source_name=self.source_name, workspace=str(self.workspace) if self.workspace else None,
                   probe_path=str(problem.probe_path) if problem.probe_path else None,
                   banned=course.banned_names(problem), banned_aten=course.banned_aten(problem),
                   blocked_dirs=[str(d) for d in course.reference_dirs], limits=limits,
                   budget=budget or Budget.start(limits.check_seconds))


@dataclass
class CaseRun:
    """Every case's verdict, the learner's outputs (for the explanations only) and what
    stopped the check early, if anything did."""

    results: list[CaseResult] = field(default_factory=list)
    values: dict[str, dict] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None
    isolation: str | None = None
    start_method: str | None = None  # said when not fork
    budget: Budget | None = None  # what is left of the check's time, for the evidence trials


def _said_start_method(sandbox) -> str | None:
    method = getattr(sandbox, "start_method", StartMethod.FORK)
    return None if method is StartMethod.FORK else method.value


def load_cases(problem: Problem, seed: int) -> list[Case]:
    """The problem's cases: from its hidden reference, or a learner bundle's public fixtures."""
    return source_for(problem).cases(seed)


def run_cases(course: Course, problem: Problem, submission: Submission, cases: list[Case], sandbox: Sandbox,
              limits: Limits | None = None) -> CaseRun:
    """Run `cases` in one child and judge each outcome."""
    job = submission.job(course, problem, cases, limits or Limits.from_config(problem.limits))
    outcomes = sandbox.run_check(job)
    _attach_fresh_reruns(sandbox, job, cases, outcomes)
    run = CaseRun(isolation=sandbox.isolation.value if sandbox.isolation else None,
                  start_method=_said_start_method(sandbox), budget=job.budget)
    for case, outcome in zip(cases, outcomes):
        if outcome is None:
            run.results.append(CaseResult(case.name, False, "not run: an earlier case exceeded a time or memory limit",
                                          about=case.about, status=Status.SKIPPED))
            continue
        run.violations += [v for v in outcome.violations if v not in run.violations]
        result = judge(problem, case, outcome)
        if outcome.status == Status.OK and outcome.value is not None:
            run.values[case.name] = outcome.value
        run.results.append(result)
        if result.status == Status.NOT_IMPLEMENTED:
            run.error = f"not implemented yet: {outcome.message}" + raised_elsewhere(outcome.traceback, submission)
            run.error_kind = "not-implemented"
            break
        if Status.parse(result.status).stops_the_check:
            run.error, run.error_kind = result.message, result.status
            break
    return run


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def raised_elsewhere(traceback: str, submission: Submission) -> str:
    """When the NotImplementedError came from another workspace file the checked one imports
    (a stub put back by `grader reset gelu` under kv_cache.py's `from gelu import gelu`),
    say which: otherwise "not implemented: gelu" reads as if the checked file were a stub."""
    frames = _FRAME.findall(traceback or "")
    checked = Path(submission.file).name if submission.file is not None else None
    if not frames or checked is None:
        return ""
    raised_in, line = frames[-1]
    if Path(raised_in).name == checked:
        return ""
    return (f" (raised in {raised_in}, line {line}, a workspace file your {checked} imports: "
            f"that file is still a stub or unfinished)")


def _attach_fresh_reruns(sandbox: Sandbox, job: Job, cases: list[Case], outcomes: list) -> None:
    """A case whose verdict needs a second, independent run (sample's reproducibility:
    the same generator seed in another process must give the same draws, which no
    memoising solution can fake) is run again in its own child; the judge finds that
    run's value under `value["rerun"]`."""
    wanted = [i for i, case in enumerate(cases) if rerun_options(case.options) is not None
              and outcomes[i] is not None and outcomes[i].status == Status.OK and isinstance(outcomes[i].value, dict)]
    if not wanted:
        return
    again = replace(job, cases=[JobCase(job.cases[i].inputs, rerun_options(job.cases[i].options), job.cases[i].name)
                                for i in wanted])
    for i, outcome in zip(wanted, sandbox.run_check(again)):
        if outcome is not None and outcome.status == Status.OK:
            outcomes[i].value["rerun"] = outcome.value
        else:
            what = f"{outcome.status}: {outcome.message}" if outcome is not None else "not run"
            outcomes[i].value["rerun"] = {"__bad_type__": f"the second run failed ({what})"}


def settle(report: Report, cases: list[Case] | None = None) -> None:
    """Passed and score from the cases: the fraction passed (a case bundled `credit_with`
    another earns credit only with it), 0 with any banned-API use."""
    passed_cases = sum(c.passed for c in report.cases)
    if cases is not None and len(cases) == len(report.cases):
        passed_cases = credited(cases, {c.name for c in report.cases if c.passed})
    total = len(report.cases) if report.error is None else max(len(report.cases), 1)
    report.passed = bool(report.cases) and passed_cases == len(report.cases) and not report.violations \
        and report.error is None
    report.score = 0.0 if report.violations or not report.cases else round(passed_cases / total, 4)


def name_the_mistake(problem: Problem, report: Report, cases: list[Case], values: dict, known=None) -> None:
    """The known-mistake catalogue: the reference's, or the outputs a learner's bundle ships
    (`known`: a class's precomputed outputs, grader/verdict/class_work.py)."""
    source_for(problem).name_the_mistake(report, cases, values, known)


def check_building_block(course: Course, stage: Problem, submission: Submission, cases: list[Case],
                         sandbox: Sandbox, seed: int) -> Report:
    """A building block the learner's file defines, on its own problem's cases, judged and
    named as a check would (no static scan: the file was scanned for the problem asked)."""
    report = Report(problem=stage.slug, title=stage.title, file=str(submission.file or submission.source_name),
                    seed=seed)
    run = run_cases(course, stage, submission, cases, sandbox)
    report.cases, report.violations = run.results, run.violations
    report.error, report.error_kind, report.isolation = run.error, run.error_kind, run.isolation
    report.start_method = run.start_method
    settle(report, cases)
    if not report.passed:
        name_the_mistake(stage, report, cases, run.values)
    return report
