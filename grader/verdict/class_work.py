"""What a class's checks of one problem share, computed once per (problem, seed).

Every learner of a class is graded on the same cases, so the expected values, the
outputs of every known mistake on those cases, the ablation's stages (with their right
answers) and the properties' trials are the same for all of them. Batch grading computes
them here once, in the grader's process (never in a zygote: a learner's child must hold
nothing worth stealing), before its worker threads start, and hands the result to every
check of that problem (`CheckOptions.shared`). Computing it before the threads also makes
the feedback deterministic: lazily loaded modules (a problem's properties) are never
loaded by two threads at once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from ..course.cases import Case
from ..course.loader import Problem
from .judge import expected_output, judge_kind
from .sources import source_for

from .diagnose import MISSING  # a mistake's output not computed here (the catalogue computes it then)


@dataclass(frozen=True)
class ClassWork:
    """One problem at one seed, for every learner of a class."""

    slug: str
    seed: int
    cases: tuple[Case, ...]
    mistake_outputs: dict = field(default_factory=dict)  # (index in MISTAKES, case name) -> output (None: raised)
    stages: tuple | None = None  # the ablation's stages (None: ask the source when needed)
    properties: tuple | None = None  # the problem's properties (None: ask when needed)
    variant_table: object | None = None  # the reference's variants' outputs (grader/verdict/variant_match.py; None: lazily)

    def mistake_output(self, index: int, case: Case):
        return self.mistake_outputs.get((index, case.name), MISSING)


def prepare_class_work(problem: Problem, seed: int) -> ClassWork:
    """The cases with their expected outputs (a reference's own judge computes its own),
    the catalogue's outputs on them, the stages and the properties."""
    from .diagnose import mistake_outputs_on
    from .explain import ablation_stages, problem_properties

    source = source_for(problem)
    cases = source.cases(seed)
    if judge_kind(problem) in ("default", "public"):  # learner-independent; fixture cases carry theirs already
        for case in cases:
            if case.expected is None:
                case.expected = expected_output(problem, case)
    outputs = mistake_outputs_on(problem, cases) if problem.has_reference else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stages = tuple(ablation_stages(problem, seed))
        properties = tuple(problem_properties(problem, seed))
    table = None
    if problem.has_reference:
        from .variant_match import variant_table

        try:
            table = variant_table(problem, seed, cases)
        except Exception:
            table = None  # each check then tries lazily
    return ClassWork(slug=problem.slug, seed=seed, cases=tuple(cases), mistake_outputs=outputs,
                     stages=stages, properties=properties, variant_table=table)
