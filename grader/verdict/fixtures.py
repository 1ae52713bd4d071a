"""Public fixtures: what a learner's bundle ships instead of the hidden reference.

`grader export student` writes `problems/<slug>/fixtures.pt` (torch.save; read back with
`weights_only=True`, so it can hold only plain data) for the public seed:

    {"format": 1, "slug": ..., "seed": 0, "mode": "outputs" | "public-judge" | "instructor-only",
     "reason": ..., "cases": [{"name", "about", "inputs", "tolerance", "options", "expected"}],
     "mistakes": [{"name", "explanation", "hint", "outputs": {case name: tensor or None}}],
     "ablations": [{"name", "inputs", "expected", "changed", "wrong_means", "hint", "options",
                    "readings": [{"output", "means", "seen"}], "informative", ...}]}

With it, `grader check` works where no reference is present: the runner fills each
`Case.expected` from here and the judge uses it; the known mistakes' outputs on the
same public inputs let the check name a mistake offline, as the reference would.

The mode is a `FixtureMode` (stored as its string value):

- "outputs": the default judge; `expected` is the entry's output on the case.
- "public-judge": the problem ships `problems/<slug>/judge.py` (grader/verdict/judge.py), and
  `expected` is the plain data the reference's `expected(case)` computed from the case's
  inputs (None when the reference defines none). A grader older than this mode says the
  problem cannot be checked from the bundle rather than misjudging it.
- "instructor-only": the reference's own `judge` decides (it needs the reference at check
  time, e.g. on states the learner's code produced), or a case's inputs are not plain
  data (a generator, a module); checking it from the bundle stops with a message saying so.
"""

from __future__ import annotations

import functools
from enum import Enum

import torch

from ..course.cases import PUBLIC_SEED, Case, case_tolerance
from ..evidence.compare import close
from ..course.loader import CourseError, Problem

FORMAT = 1


class FixtureMode(str, Enum):
    """How a bundle's fixtures let `grader check` judge a problem (stored as its value)."""

    OUTPUTS = "outputs"
    PUBLIC_JUDGE = "public-judge"
    INSTRUCTOR_ONLY = "instructor-only"

    @property
    def checkable(self) -> bool:
        """Whether `grader check` can judge the problem from the bundle alone."""
        return self is not FixtureMode.INSTRUCTOR_ONLY

    @classmethod
    def of(cls, data: dict) -> "FixtureMode":
        """The mode fixtures.pt records; an unknown one (a newer grader's) is not checkable here."""
        try:
            return cls(data.get("mode"))
        except ValueError:
            return cls.INSTRUCTOR_ONLY



# --------------------------------------------------------------------------- reading
@functools.lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int, size: int) -> dict:
    try:
        data = torch.load(path, weights_only=True)
    except Exception as exc:
        raise CourseError(f"{path}: unreadable fixtures ({type(exc).__name__}: {exc}); "
                          "ask your instructor for a fresh bundle") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CourseError(f"{path}: fixtures of an unknown format; ask your instructor for a fresh bundle")
    return data


def read_fixtures(problem: Problem) -> dict:
    path = problem.fixtures_path
    if not path.exists():
        raise CourseError(f"{problem.slug}: no hidden reference and no fixtures at {path}. A learner's bundle "
                          "ships fixtures.pt beside each statement; instructors make one with "
                          "`grader export student DIR`.")
    stat = path.stat()
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


def load_fixture_cases(problem: Problem, seed: int) -> list[Case]:
    """The public cases with their expected outputs, for a check without the reference."""
    data = read_fixtures(problem)
    mode = FixtureMode.of(data)
    if mode is FixtureMode.PUBLIC_JUDGE and not (problem.dir / "judge.py").exists():
        raise CourseError(f"{problem.slug}: this bundle's fixtures need the public judge {problem.dir / 'judge.py'}, "
                          "which is missing; ask your instructor for a fresh bundle")
    if not mode.checkable:
        reason = data.get("reason") or (f"its fixtures are of a mode this grader does not know "
                                        f"({data.get('mode')!r}); a newer grader may check it.")
        raise CourseError(f"{problem.slug} cannot be checked from this bundle: {reason} "
                          "Submit it to your instructor's grader (Gradescope or `grader grade`) for a verdict.")
    if seed != data.get("seed", PUBLIC_SEED):
        raise CourseError(f"{problem.slug}: this bundle holds the public cases (seed {data.get('seed')}) only; "
                          f"other seeds need the instructor's grader. Run the check without --seed.")
    return [Case(name=c["name"], inputs=c["inputs"], about=c.get("about", ""),
                 tolerance=tuple(c["tolerance"]) if c.get("tolerance") is not None else None,
                 options=dict(c.get("options") or {}), expected=c["expected"])
            for c in data["cases"]]


def diagnose_from_fixtures(problem: Problem, report, cases: list[Case], values: dict) -> None:
    """Name a known mistake from the outputs the bundle ships, by the same rule as
    grader.verdict.diagnose: it must explain the learner's output on every case that gave one."""
    from .diagnose import _judged_mistake

    judged_mistake = _judged_mistake(report)  # named by the (public) judge itself, as grader.verdict.diagnose does
    if judged_mistake is not None:
        report.diagnosis = judged_mistake
        return
    failing = {c.name for c in report.cases if not c.passed}
    if not failing or not any(name in values for name in failing):
        return
    try:
        mistakes = read_fixtures(problem).get("mistakes", [])
    except CourseError:
        return
    judged = [c for c in cases if c.name in values and "output" in values[c.name]]
    if not judged:
        return
    found = [m for m in mistakes
             if all(close(m.get("outputs", {}).get(c.name), values[c.name]["output"], *case_tolerance(problem, c))
                    for c in judged)]
    names = list(dict.fromkeys(m["name"] for m in found))  # one mistake may have several variants
    if len(names) > 1:  # as grader.verdict.diagnose: several different mistakes fitting is not a diagnosis
        report.localisation.append({
            "title": "several known mistakes fit", "kind": "ambiguous", "candidates": names,
            "text": "Your output matches each of these on every case, so the grader cannot tell which one "
                    "it is:\n" + "\n".join(f"  - {n}" for n in names)})
        return
    if found:
        mistake = found[0]
        diagnosis = {"name": mistake["name"], "explanation": mistake["explanation"], "hint": mistake.get("hint", "")}
        report.diagnosis = diagnosis
        for result in report.cases:
            if not result.passed and result.name in values:
                result.diagnosis = dict(diagnosis)
