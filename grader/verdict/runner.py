"""One check, start to finish, in one direction:

    Submission x problem -> static scan -> run and judge the cases (execute.py)
    -> localise (localise.py) -> score -> name the mistake (diagnose.py) -> Report
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from ..policy.banned import build_spec
from ..course.cases import PUBLIC_SEED, Case
from ..course.loader import Course, Problem
from .execute import Submission, load_cases, name_the_mistake, run_cases, settle  # noqa: F401 (load_cases: for callers)
# References import grader.mistakes: load it before any zygote forks, so that `grader validate`
# can run a reference as a learner file (the sandbox refuses grader modules not yet loaded).
from ..course import mistakes as _mistakes  # noqa: F401
from .results import Report
from ..sandbox.parent import Limits, Sandbox
from .sources import source_for
from .torch_threads import one_torch_thread
from ..policy.safe_files import UnsafeFile, folder_of, read_learner_bytes, unsafe_modules
from ..policy.static import scan_file, scan_source


def check_problem(course: Course, problem: Problem, *, file: str | Path | None = None,
                  source: str | None = None, source_name: str = "<notebook>",
                  workspace: str | Path | None = None, seed: int = PUBLIC_SEED,
                  sandbox: Sandbox | None = None, diagnose: bool = True,
                  limits: Limits | None = None, module_name: str | None = None,
                  localise: bool = True, cases: list[Case] | None = None, shared=None) -> Report:
    """Grade one learner file (or source text) against one problem.

    `module_name` is the name the learner's file is imported under (default: the
    problem's); `localise` says where a wrong output goes wrong (grader/verdict/localise.py).
    `cases`: precomputed cases, e.g. with `expected` filled once per class (grader/instructor/batch.py);
    `shared`: everything a class shares for this problem and seed (grader/verdict/class_work.py).
    A sandbox started here (or by the caller) before the reference loads is forked; after,
    it is a fresh interpreter (grader/sandbox/parent.py enforces it).
    """
    if file is not None:
        file = Path(file).resolve()
        workspace = Path(workspace).resolve() if workspace else file.parent
    submission = Submission(file=file, source=source if file is None else None, source_name=source_name,
                            workspace=Path(workspace).resolve() if workspace else None, module_name=module_name)
    options = CheckOptions(diagnose=diagnose, localise=localise, limits=limits,
                           cases=tuple(cases) if cases is not None else None, shared=shared)
    return check_submission(course, problem, submission, seed=seed, sandbox=sandbox, options=options)


@dataclass(frozen=True)
class CheckOptions:
    diagnose: bool = True  # name the known mistake when the check fails
    localise: bool = True  # say where a wrong output goes wrong (grader/verdict/localise.py)
    limits: Limits | None = None  # default: the problem's
    cases: tuple[Case, ...] | None = None  # precomputed (batch grading computes them once per class)
    shared: object | None = None  # a ClassWork (grader/verdict/class_work.py): cases, catalogue outputs, stages, properties


def check_submission(course: Course, problem: Problem, submission: Submission, *, seed: int = PUBLIC_SEED,
                     sandbox: Sandbox | None = None, options: CheckOptions = CheckOptions()) -> Report:
    """The check itself, on typed inputs (check_problem is its keyword front door)."""
    with one_torch_thread():
        return _check(course, problem, submission, seed, sandbox, options)


def _check(course: Course, problem: Problem, submission: Submission, seed: int, sandbox: Sandbox | None,
           options: CheckOptions) -> Report:
    started = time.monotonic()
    report = Report(problem=problem.slug, title=problem.title, file=str(submission.file or submission.source_name),
                    seed=seed)
    if not scan(course, problem, submission, report):
        report.elapsed = time.monotonic() - started
        return report

    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox()
    try:
        sandbox.start()
        shared = options.shared
        cases = list(options.cases) if options.cases is not None else \
            list(shared.cases) if shared is not None else load_cases(problem, seed)
        run = run_cases(course, problem, submission, cases, sandbox, options.limits)
        report.cases = run.results
        report.violations += [v for v in run.violations if v not in report.violations]
        report.error, report.error_kind, report.isolation = run.error, run.error_kind, run.isolation
        report.start_method = run.start_method
        if options.localise and source_for(problem).available and report.error is None \
                and not report.violations and any(not c.passed for c in report.cases):
            from .localise import localise_report  # needs the sandbox: stages and probes run learner code

            with _explaining(report, "where the output goes wrong"):
                localise_report(course, problem, report, cases, run.values, submission, seed=seed, sandbox=sandbox)
        settle(report, cases)
        if options.diagnose and not report.passed:
            naming = time.monotonic()
            with _sandbox_idle(sandbox), _explaining(report, "which mistake"):
                name_the_mistake(problem, report, cases, run.values, shared)
            # Naming runs trusted code in this process (a cold variant precompute, a fit): no learner code ran, so
            # that time is not taken from the check's budget, or a cold cache would starve the evidence trials.
            budget = run.budget
            if budget is not None:
                budget = dataclasses.replace(budget, deadline=budget.deadline + (time.monotonic() - naming))
            if cases:
                # The evidence layer (grader/verdict/explain.py): ablations and properties, while the sandbox is up.
                from .explain import explain

                limits = options.limits or Limits.from_config(problem.limits)
                with _explaining(report, "what the evidence shows"):
                    explain(problem, report, job=submission.job(course, problem, cases, limits, budget),
                            sandbox=sandbox, seed=seed, shared=shared)
    finally:
        if own_sandbox:
            sandbox.close()

    report.elapsed = time.monotonic() - started
    return report


def scan(course: Course, problem: Problem, submission: Submission, report: Report) -> bool:
    """The static scan: violations into the report; False when there is nothing to run
    (no file, a syntax error)."""
    spec = build_spec(course.banned_names(problem), course.banned_aten(problem))
    if submission.file is not None:
        if not submission.file.exists():
            report.error, report.error_kind = f"no file at {submission.file}", "missing-file"
            return False
        unsafe = unsafe_learner_files(submission)
        if unsafe:
            report.error, report.error_kind = f"the grader will not read {unsafe}", "unreadable-file"
            return False
        violations, syntax = scan_file(submission.file, spec, submission.workspace, policy=problem.policy)
    else:
        violations, syntax = scan_source(submission.source or "", spec, submission.source_name,
                                         policy=problem.policy)
    report.violations = violations
    if syntax is not None:
        where = f"{submission.display}:{syntax.lineno}" if syntax.lineno else submission.display
        text = (syntax.text or "").rstrip()
        report.error = f"syntax error at {where}: {syntax.msg}" + (f"\n    {text}" if text else "")
        report.error_kind = "syntax-error"
        return False
    return True


def unsafe_learner_files(submission: Submission) -> str | None:
    """Why the learner's file, or a module of its folder the scan may read, is not safe to
    read (grader/policy/safe_files.py), or None. Checked before the scan reads anything."""
    folder = folder_of(submission.file, submission.workspace)
    try:
        read_learner_bytes(submission.file, folder)
    except UnsafeFile as exc:
        return str(exc)
    problems = unsafe_modules(folder)
    return "; ".join(problems[:3]) if problems else None


def _sandbox_idle(sandbox):
    """While the check names the mistake (this process's Python only), a sandbox that can be
    lent (a class's, grader/instructor/batch.py) serves another check; it is back before the
    naming's time is given back to the budget, so a wait for it costs the check no budget."""
    idle = getattr(type(sandbox), "idle", None)
    return idle(sandbox) if idle is not None else contextlib.nullcontext()


@contextlib.contextmanager
def _explaining(report: Report, what: str):
    """Explanations are extras on a verdict already made: one that fails on an output
    nobody foresaw says so and leaves the verdict alone, never crashing the check."""
    try:
        yield
    except Exception as exc:
        report.localisation.append({"title": f"{what}: not worked out", "kind": "note",
                                    "text": f"The grader could not work this out for this output "
                                            f"({type(exc).__name__}); the verdict above stands."})
