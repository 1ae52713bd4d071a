"""Whether a problem can be checked here.

An instructor's course has every reference. A learner's bundle (`grader export student`)
has none: most problems are checked from their public fixtures, but some can only be
judged by the instructor's grader (their fixtures say "instructor-only"). `grader watch`
and `grader progress` skip those, saying why in one line, rather than recommend a
problem whose check can only stop with an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..course.cases import PUBLIC_SEED
from ..course.loader import Course, CourseError, Problem


@dataclass(frozen=True)
class Availability:
    checkable: bool
    reason: str = ""  # one line, when it is not checkable


CHECKABLE = Availability(True)


def availability(problem: Problem) -> Availability:
    """Checkable with the hidden reference, or from fixtures that let the bundle judge it."""
    from ..verdict.fixtures import load_fixture_cases, read_fixtures

    if problem.has_reference:
        return CHECKABLE
    try:
        data = read_fixtures(problem)
        if data.get("mode") == "instructor-only":
            why = first_clause(data.get("reason", ""))
            return Availability(False, (f"{why}, so " if why else "") + "only your instructor's grader can check it")
        load_fixture_cases(problem, PUBLIC_SEED)
    except CourseError as exc:
        return refused(problem, exc)
    return CHECKABLE


def refused(problem: Problem, exc: CourseError) -> Availability:
    """Not checkable, for the reason a check gave (its leading "slug: " dropped)."""
    text = str(exc).strip()
    for prefix in (f"{problem.slug}: ", f"{problem.slug} "):
        text = text.removeprefix(prefix)
    return Availability(False, first_clause(text))


def first_clause(text: str) -> str:
    """A reason cut to one line: up to its first colon, semicolon or full stop."""
    line = " ".join(text.split())
    for mark in (": ", "; ", ". "):
        line = line.split(mark)[0]
    return line.rstrip(".")


def unavailable(course: Course) -> list[tuple[Problem, Availability]]:
    """The course's problems that cannot be checked here, in course order, with why."""
    return [(p, a) for p in course for a in [availability(p)] if not a.checkable]


def skip_line(problem: Problem, why: Availability) -> str:
    return f"Skipping {problem.slug}: {why.reason}."
