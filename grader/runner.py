"""One check, start to finish: static scan, each case in the sandbox, judging, diagnosis."""

from __future__ import annotations

import time
from pathlib import Path

from .banned import build_spec
from .cases import PUBLIC_SEED, Case
from .course import Course, Problem
from .judge import judge
# References import grader.mistakes: load it before any zygote forks, so that `grader validate`
# can run a reference as a learner file (the sandbox refuses grader modules not yet loaded).
from . import mistakes as _mistakes  # noqa: F401
from .results import CaseResult, Report
from .sandbox import Job, JobCase, Limits, Outcome, Sandbox
from .static import scan_file, scan_source


def load_cases(problem: Problem, seed: int) -> list[Case]:
    if problem.has_reference:
        return list(problem.reference.cases(seed))
    from .fixtures import load_fixture_cases  # a learner bundle: public cases with expected outputs

    return load_fixture_cases(problem, seed)


def check_problem(course: Course, problem: Problem, *, file: str | Path | None = None,
                  source: str | None = None, source_name: str = "<notebook>",
                  workspace: str | Path | None = None, seed: int = PUBLIC_SEED,
                  sandbox: Sandbox | None = None, diagnose: bool = True,
                  limits: Limits | None = None, module_name: str | None = None,
                  localise: bool = True, cases: list[Case] | None = None) -> Report:
    """Grade one learner file (or source text) against one problem.

    Start the sandbox before calling this with a fresh process: the zygote must be
    forked before the reference is loaded, so that no child inherits it.
    `module_name` is the name the learner's file is imported under (default: the
    problem's); `localise` says where a wrong output goes wrong (grader/localise.py).
    `cases`: precomputed cases, e.g. with `expected` filled once per class (grader/batch.py).
    """
    started = time.monotonic()
    display = Path(file).name if file else source_name
    report = Report(problem=problem.slug, title=problem.title, file=str(file or source_name), seed=seed)
    banned = course.banned_names(problem)
    banned_aten = course.banned_aten(problem)
    spec = build_spec(banned, banned_aten)

    if file is not None:
        file = Path(file).resolve()
        if not file.exists():
            report.error, report.error_kind = f"no file at {file}", "missing-file"
            return report
        workspace = Path(workspace).resolve() if workspace else file.parent
        violations, syntax = scan_file(file, spec, workspace)
    else:
        violations, syntax = scan_source(source or "", spec, source_name)
    report.violations = violations
    if syntax is not None:
        where = f"{display}:{syntax.lineno}" if syntax.lineno else display
        text = (syntax.text or "").rstrip()
        report.error = f"syntax error at {where}: {syntax.msg}" + (f"\n    {text}" if text else "")
        report.error_kind = "syntax-error"
        report.elapsed = time.monotonic() - started
        return report

    values: dict[str, dict] = {}
    given_cases, cases = cases, []
    own_sandbox = sandbox is None
    sandbox = sandbox or Sandbox()
    try:
        sandbox.start()
        cases = list(given_cases) if given_cases is not None else load_cases(problem, seed)
        limits = limits or Limits.from_config(problem.limits)
        job = Job(entry=problem.entry, module_name=module_name or problem.module_name,
                  cases=[JobCase(case.inputs, dict(case.options)) for case in cases],
                  learner_file=str(file) if file else None, learner_source=source, source_name=source_name,
                  workspace=str(workspace) if workspace else None,
                  probe_path=str(problem.probe_path) if problem.probe_path else None,
                  banned=banned, banned_aten=banned_aten,
                  blocked_dirs=[str(d) for d in course.reference_dirs], limits=limits)
        outcomes = sandbox.run_check(job)
        _attach_fresh_reruns(sandbox, job, cases, outcomes)
        report.isolation = sandbox.isolation.value if sandbox.isolation else None
        values: dict[str, dict] = {}  # learner outputs by case, kept for diagnosis only
        for i, (case, outcome) in enumerate(zip(cases, outcomes)):
            if outcome is None:  # not run: an earlier case exceeded a time limit
                report.cases.append(CaseResult(case.name, False, "not run: an earlier case exceeded the time limit",
                                               about=case.about, status="skipped"))
                continue
            for v in outcome.violations:
                if v not in report.violations:
                    report.violations.append(v)
            result = judge(problem, case, outcome)
            if outcome.status == "ok" and outcome.value is not None:
                values[case.name] = outcome.value
            report.cases.append(result)
            if result.status == "not-implemented":
                report.error = f"not implemented yet: {outcome.message}"
                report.error_kind = "not-implemented"
                break
            if result.status in ("missing-entry", "import-error", "syntax-error"):
                # Every other case would fail the same way: say it once.
                report.error, report.error_kind = result.message, result.status
                break
        if localise and (problem.has_reference or problem.fixtures_path.exists()) and report.error is None \
                and not report.violations \
                and any(not c.passed for c in report.cases):
            from .localise import localise_report  # needs the sandbox: stages and probes run learner code

            localise_report(course, problem, report, cases, values, file=file, source=source,
                            source_name=source_name, workspace=workspace, seed=seed, sandbox=sandbox)
        score(report)
        if diagnose and not report.passed and problem.has_reference:
            from .diagnose import diagnose_report

            diagnose_report(problem, report, cases, values)
        elif diagnose and not report.passed and cases:
            from .fixtures import diagnose_from_fixtures  # a learner bundle ships the mistakes' outputs

            diagnose_from_fixtures(problem, report, cases, values)
        if diagnose and not report.passed and cases:
            # THE hook of the evidence layer (grader/explain.py): after the catalogue, while the sandbox is up.
            from .explain import explain

            explain(problem, report, job=job, sandbox=sandbox, seed=seed)
    finally:
        if own_sandbox:
            sandbox.close()

    score(report)
    report.elapsed = time.monotonic() - started
    return report


def score(report: Report) -> None:
    passed_cases = sum(c.passed for c in report.cases)
    total = len(report.cases) if report.error is None else max(len(report.cases), 1)
    report.passed = bool(report.cases) and passed_cases == len(report.cases) and not report.violations \
        and report.error is None
    report.score = 0.0 if report.violations or not report.cases else round(passed_cases / total, 4)


FRESH_RERUN = "fresh_rerun"  # a case option: run the case again in a separate child, with these options


def _attach_fresh_reruns(sandbox: Sandbox, job: Job, cases: list[Case], outcomes: list) -> None:
    """A case whose verdict needs a second, independent run (sample's reproducibility:
    the same generator seed in another process must give the same draws, which no
    memoising solution can fake) is run again in its own child; the judge finds that
    run's value under `value["rerun"]`."""
    wanted = [i for i, case in enumerate(cases) if isinstance(case.options.get(FRESH_RERUN), dict)
              and outcomes[i] is not None and outcomes[i].status == "ok" and isinstance(outcomes[i].value, dict)]
    if not wanted:
        return
    again = Job(**{**job.__dict__, "cases": [JobCase(job.cases[i].inputs, {**job.cases[i].options,
                                                                         **cases[i].options[FRESH_RERUN],
                                                                         "rerun": True}) for i in wanted]})
    for i, outcome in zip(wanted, sandbox.run_check(again)):
        if outcome is not None and outcome.status == "ok":
            outcomes[i].value["rerun"] = outcome.value
        else:
            what = f"{outcome.status}: {outcome.message}" if outcome is not None else "not run"
            outcomes[i].value["rerun"] = {"__bad_type__": f"the second run failed ({what})"}
