"""Where a check's cases, expected values, known mistakes and custom judges come from.

Two places, chosen once per problem by `source_for(problem)`: the hidden reference of
an instructor's course, or the public fixtures of a learner's bundle (grader/verdict/fixtures.py,
written from the reference by `grader export student`). Everything downstream (the
judge, the catalogue, localisation, batch grading) asks the source, never which one it
has. A problem may also ship a public judge, `problems/<slug>/judge.py`, which either
source feeds: the reference computes its `expected(case)`, the bundle ships it.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from types import ModuleType
from typing import Callable

from ..course.cases import Case
from ..course.loader import CourseError, Problem, cached_module

PUBLIC_JUDGE_FILE = "judge.py"
STAGES_FORMAT = 1  # of the stages kept on disk (grader/evidence/ablation.py's plain form)


# --------------------------------------------------------------------------- public judges
def _load_public(path: Path) -> ModuleType:
    path = path.resolve()
    return cached_module(f"_grader_public_judge_{path.parent.name.replace('-', '_')}@{path.parent}", path)


def has_public_judge(problem: Problem) -> bool:
    return (problem.dir / PUBLIC_JUDGE_FILE).exists()


def public_judge_module(problem: Problem) -> ModuleType | None:
    """The problem's public judge module (problems/<slug>/judge.py), or None."""
    path = problem.dir / PUBLIC_JUDGE_FILE
    return _load_public(path) if path.exists() else None


def public_module(anchor_file: str, slug: str) -> ModuleType:
    """For a reference: the public judge module of problem `slug` in the same course root
    (reference/x.py -> problems/<slug>/judge.py), e.g. to reuse a statistical test."""
    path = Path(anchor_file).resolve().parent.parent / "problems" / slug / PUBLIC_JUDGE_FILE
    if not path.exists():
        raise CourseError(f"{anchor_file}: no public judge at {path}")
    return _load_public(path)


# --------------------------------------------------------------------------- the two sources
class ExpectedSource:
    """What a check compares with, for one problem."""

    def __init__(self, problem: Problem):
        self.problem = problem

    def cases(self, seed: int) -> list[Case]:
        raise NotImplementedError

    def expected(self, case: Case):
        """What the judge compares against (a case from fixtures carries it already)."""
        return case.expected

    @property
    def custom_judge(self) -> Callable | None:
        """A judge that needs the reference at check time, `judge(case, value, tolerance)`."""
        return None

    @property
    def entry(self) -> Callable | None:
        """The right answer as a function, where the source has one (localisation's grids)."""
        return None

    @property
    def available(self) -> bool:
        """Whether there is anything to check against at all."""
        return True

    def name_the_mistake(self, report, cases: list[Case], values: dict, known=None) -> None:
        """The known-mistake catalogue: named only when one mistake explains every output.
        `known`: a class's precomputed outputs of the catalogue (grader/verdict/class_work.py)."""

    def ablation_stages(self, seed: int) -> list:
        """The model with parts switched off through its weights (grader/evidence/ablation.py)."""
        return []


class HiddenReference(ExpectedSource):
    """The instructor's course: reference/<module>.py."""

    def cases(self, seed: int) -> list[Case]:
        return list(self.problem.reference.cases(seed))

    def expected(self, case: Case):
        if case.expected is not None:
            return case.expected
        reference = self.problem.reference
        pristine = case.pristine_inputs()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the reference's warnings are not the learner's business
            if has_public_judge(self.problem):
                make = getattr(reference, "expected", None)
                return make(dataclasses.replace(case, inputs=pristine)) if make is not None else None
            return getattr(reference, self.problem.entry)(**pristine)

    @property
    def custom_judge(self) -> Callable | None:
        return getattr(self.problem.reference, "judge", None)

    @property
    def entry(self) -> Callable | None:
        return getattr(self.problem.reference, self.problem.entry)

    def name_the_mistake(self, report, cases: list[Case], values: dict, known=None) -> None:
        from .diagnose import diagnose_report

        diagnose_report(self.problem, report, cases, values, known)

    def ablation_stages(self, seed: int) -> list:
        """The reference's stages for `seed`, kept on disk beside the variants' tables (keyed by
        the reference's hash and the seed): making them runs the model many ways (seconds for a
        model problem), the same for every learner of a class and every check of a seed."""
        make = getattr(self.problem.reference, "ablations", None)
        if make is None:
            return []
        from ..evidence.ablation import stage_from_plain, stage_to_plain
        from .variant_cache import _cache_file, load_cached, problem_digest, save_cached

        try:
            path = _cache_file(self.problem, problem_digest(self.problem), f"stages-{seed}")
            kept = load_cached(path)
            if kept is not None and kept.get("format") == STAGES_FORMAT:
                return [stage_from_plain(s) for s in kept["stages"]]
        except Exception:  # an unreadable cache only costs time
            path = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stages = list(make(seed))
        if path is not None:
            try:
                save_cached(path, {"format": STAGES_FORMAT, "stages": [stage_to_plain(s) for s in stages]})
            except Exception:
                pass
        return stages


class PublicFixtures(ExpectedSource):
    """A learner's bundle: problems/<slug>/fixtures.pt, made from the reference for the public seed."""

    def cases(self, seed: int) -> list[Case]:
        from .fixtures import load_fixture_cases

        return load_fixture_cases(self.problem, seed)

    @property
    def available(self) -> bool:
        return self.problem.fixtures_path.exists()

    def name_the_mistake(self, report, cases: list[Case], values: dict, known=None) -> None:
        if cases:
            from .fixtures import diagnose_from_fixtures

            diagnose_from_fixtures(self.problem, report, cases, values)

    def ablation_stages(self, seed: int) -> list:
        if not self.available:
            return []
        from ..evidence.ablation import stage_from_plain
        from .fixtures import read_fixtures

        data = read_fixtures(self.problem)
        if seed != data.get("seed"):
            return []
        return [stage_from_plain(s) for s in data.get("ablations", [])]


def source_for(problem: Problem) -> ExpectedSource:
    """The one place that asks whether the reference is here."""
    return HiddenReference(problem) if problem.has_reference else PublicFixtures(problem)
