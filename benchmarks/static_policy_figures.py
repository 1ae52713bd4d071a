"""Static-policy figures: attacks flagged and allowed programs flagged, per corpus.

    python benchmarks/static_policy_figures.py [--verbose]

Corpora: tests/static_cases.py (ATTACKS, ALLOWED, and their CONSTRUCT_* parts written
for the closed-world policy) and every solution file under benchmarks/solution_sets/heldout*/
(correct and wrong alike: a wrong solution is a mistake, not an attack, so neither may be
flagged). Each held-out file is scanned alone in a temporary workspace, under its
problem's banned list, as `grader check` would scan it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from static_cases import (ALLOWED, ATTACKS, CONSTRUCT_ALLOWED, CONSTRUCT_ATTACKS,  # noqa: E402
                          ScanCase, scan_case)

from grader.course.loader import Course  # noqa: E402


def heldout_cases(course: Course, kind: str) -> list[ScanCase]:
    """Every held-out `<kind>/<slug>/*.py` whose slug is a problem of the course."""
    cases = []
    for path in sorted(REPO.glob(f"benchmarks/solution_sets/heldout*/{kind}/*/*.py")):
        slug = path.parent.name
        if slug in course.problems:
            cases.append(ScanCase(str(path.relative_to(REPO)), slug, path.read_text()))
    return cases


def flagged(cases: list[ScanCase], course: Course, verbose: bool) -> int:
    hits = 0
    for case in cases:
        with tempfile.TemporaryDirectory() as d:
            violations, error = scan_case(case, d, course)
        hit = bool(violations) or (error is not None and not isinstance(error, SyntaxError))
        hits += hit
        if verbose and hit:
            print(f"  {case.name}: " + "; ".join(v.describe() for v in violations[:2]) + (f" {error!r}" if error else ""))
    return hits


def main() -> None:
    verbose = "--verbose" in sys.argv
    course = Course()
    base_attacks = [c for c in ATTACKS if c not in CONSTRUCT_ATTACKS]
    base_allowed = [c for c in ALLOWED if c not in CONSTRUCT_ALLOWED]
    rows = [
        ("attacks (earlier corpus)", base_attacks, True),
        ("attacks (closed world, issue 16)", CONSTRUCT_ATTACKS, True),
        ("allowed (earlier corpus)", base_allowed, False),
        ("allowed (closed world, issue 16)", CONSTRUCT_ALLOWED, False),
        ("held-out correct solutions", heldout_cases(course, "correct"), False),
        ("held-out wrong solutions", heldout_cases(course, "wrong"), False),
    ]
    for label, cases, _ in rows:
        if verbose:
            print(label)
        print(f"{label:36} flagged {flagged(cases, course, verbose):4} / {len(cases)}")


if __name__ == "__main__":
    sys.setrecursionlimit(1000)
    main()
