"""What a class's checks of one problem share, computed once per (problem, seed).

Every learner of a class is graded on the same cases, so the expected values, the
outputs of every known mistake on those cases, the ablation's stages (with their right
answers) and the properties' trials are the same for all of them. Batch grading makes a
ClassWork here once per problem, in the grader's process (never in a zygote: a learner's
child must hold nothing worth stealing), and hands it to every check of that problem
(`CheckOptions.shared`).

What every check needs (the cases and their expected outputs) and what can only be
computed in the main thread (the variant table: its variants are stopped by an alarm)
is computed when the ClassWork is made, before any worker thread starts. The rest is
computed on first use, once, under the ClassWork's lock: a known mistake's output on a
case (the catalogue reads one case per mistake until one disagrees, so most are never
needed), the stages and the properties (only a wrong file the catalogue cannot name
reads them). Each is a function of the seed and the reference alone (every random draw
comes from a generator seeded by the case, never from the global one), so it is the same
value whichever check asks first: feedback does not depend on the order files finish
in. The lock also keeps a lazily loaded module (a problem's properties) from being
loaded by two threads at once. Everything runs on one torch thread, as `grader check`
computes them (grader/verdict/runner.py): the same numbers, and many times less CPU on
these small tensors than a thread pool fighting the children for the cores.
"""

from __future__ import annotations

import threading
import warnings

from ..course.cases import Case
from ..course.loader import Problem
from .judge import expected_output, judge_kind
from .sources import source_for
from .torch_threads import one_torch_thread

from .diagnose import MISSING  # a mistake's output not computed here (the catalogue computes it then)

_NOT_YET = object()


class ClassWork:
    """One problem at one seed, for every learner of a class."""

    def __init__(self, problem: Problem, seed: int, cases: tuple[Case, ...], variant_table=None):
        self.problem, self.slug, self.seed = problem, problem.slug, seed
        self.cases = tuple(cases)
        self.variant_table = variant_table  # the reference's variants' outputs (grader/verdict/variant_match.py; None: lazily)
        self.mistake_outputs: dict = {}  # (index in MISTAKES, case name) -> output (None: raised), as computed
        self._mistakes = list(getattr(problem.reference, "MISTAKES", [])) if problem.has_reference else []
        self._case_names = frozenset(c.name for c in self.cases)
        self._stages = self._properties = _NOT_YET
        self._lock = threading.RLock()

    def mistake_output(self, index: int, case: Case):
        """Known mistake `index`'s output on `case`, computed the first time any check asks."""
        key = (index, case.name)
        with self._lock:
            if key not in self.mistake_outputs:
                if not 0 <= index < len(self._mistakes) or case.name not in self._case_names:
                    return MISSING  # not one of this class's (the caller computes it)
                from .diagnose import _outputs_of

                with one_torch_thread():
                    self.mistake_outputs[key] = _outputs_of(self.problem, self._mistakes[index], case)
            return self.mistake_outputs[key]

    @property
    def stages(self) -> tuple | None:
        """The ablation's stages (grader/evidence/ablation.py), made on first use."""
        with self._lock:
            if self._stages is _NOT_YET:
                from .explain import ablation_stages

                self._stages = self._quietly(lambda: tuple(ablation_stages(self.problem, self.seed)))
            return self._stages

    @property
    def properties(self) -> tuple | None:
        """The problem's properties with their trials (grader/evidence/properties.py), made on first use."""
        with self._lock:
            if self._properties is _NOT_YET:
                from .explain import problem_properties

                self._properties = self._quietly(lambda: tuple(problem_properties(self.problem, self.seed)))
            return self._properties

    @staticmethod
    def _quietly(make):
        with warnings.catch_warnings(), one_torch_thread():
            warnings.simplefilter("ignore")
            return make()


def prepare_class_work(problem: Problem, seed: int) -> ClassWork:
    """The cases with their expected outputs (a reference's own judge computes its own)
    and the variant table; the rest of a ClassWork comes when a check first needs it."""
    source = source_for(problem)
    with one_torch_thread():
        cases = source.cases(seed)
        if judge_kind(problem) in ("default", "public"):  # learner-independent; fixture cases carry theirs already
            for case in cases:
                if case.expected is None:
                    case.expected = expected_output(problem, case)
        table = None
        if problem.has_reference:
            from .variant_match import variant_table

            try:
                table = variant_table(problem, seed, cases)  # here: in the main thread (see the module's doc)
            except Exception:
                table = None  # each check then tries lazily
    return ClassWork(problem, seed, tuple(cases), variant_table=table)
