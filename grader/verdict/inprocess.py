"""Running trusted code (a reference, a known mistake, a test's solution) through a
problem's probe and judge in this process, as the sandbox would, without isolation.
For validation and tests; never for learner code."""

from __future__ import annotations

from ..course.cases import Case
from ..course.loader import Problem


class LocalContext:
    """What a probe gets in-process: calls go straight through."""

    job = None
    guard = None

    def __init__(self, options: dict, outputs_only: bool = False):
        self.options = options
        # The caller reads only the probe's "output": a probe may skip what only its judge reads
        # (kv-cache's count of work). Never set for a run that is judged.
        self.outputs_only = outputs_only

    def call(self, fn, *args, **kwargs):
        return fn(*args, **kwargs)


def load_probe(problem: Problem):
    """The probe the sandbox would run: the problem's probe.py, or the default one."""
    from ..sandbox.child import _load_probe

    return _load_probe(str(problem.probe_path) if problem.probe_path else None)


def run_in_process(problem: Problem, probe, fn, case: Case) -> dict:
    """What the sandbox would send back for `fn` as the entry point."""
    from ..sandbox.child import sanitize
    from .execute import rerun_options

    value = sanitize(probe(fn, case.pristine_inputs(), LocalContext(case.options)))
    options = rerun_options(case.options)
    if options is not None and isinstance(value, dict):  # trusted code: the same process will do
        value["rerun"] = sanitize(probe(fn, case.pristine_inputs(), LocalContext(options)))
    return value


def judge_in_process(problem: Problem, fn, seed: int = 0) -> dict:
    """{case name: the judge's verdicts} for `fn` run through the probe and the judge."""
    from .judge import case_tolerance, case_verdicts

    probe = load_probe(problem)
    return {case.name: case_verdicts(problem, case, run_in_process(problem, probe, fn, case),
                                     case_tolerance(problem, case))
            for case in problem.reference.cases(seed)}
