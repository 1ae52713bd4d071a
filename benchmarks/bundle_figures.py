"""Every problem checked from a learner's bundle: one correct and one wrong solution each.

    python benchmarks/bundle_figures.py

Exports the whole course with `grader export student` into a temporary folder, loads it
as a course without references (as a learner's install sees it), and checks, per
problem, the first correct and the first wrong solution of the held-out set
(benchmarks/solution_sets/heldout/, written from the statements alone) in a workspace. Prints the
verdicts, what the wrong one was told, and the bundle's size.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from grader.sandbox.parent import Sandbox

HELDOUT = Path(__file__).resolve().parent / "solution_sets" / "heldout"


def first(kind: str, slug: str) -> Path:
    return sorted((HELDOUT / kind / slug).glob("*.py"))[0]


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    sandbox = Sandbox()
    sandbox.start()  # before any reference is loaded
    from grader.course.loader import Course
    from grader.instructor.export import export_student
    from grader.verdict.runner import check_problem

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bundle"
        started = time.monotonic()
        export_student(Course(), out)
        print(f"bundle: {size(out) / 1e6:.1f} MB, exported in {time.monotonic() - started:.1f} s")
        bundle = Course(out)
        assert not any(p.has_reference for p in bundle), "a bundle must carry no reference"
        print(f"| problem | correct ({'file'}) | wrong (file) | what the wrong one was told |")
        print("|---|---|---|---|")
        for problem in bundle:
            row = [problem.slug]
            for kind in ("correct", "wrong"):
                source = first(kind, problem.slug)
                ws = Path(tmp) / f"ws-{problem.slug}-{kind}"
                ws.mkdir()
                shutil.copy(source, ws / f"{problem.module_name}.py")
                report = check_problem(bundle, problem, file=ws / f"{problem.module_name}.py", workspace=ws,
                                       sandbox=sandbox)
                verdict = "passed" if report.passed else f"failed {sum(c.passed for c in report.cases)}/{len(report.cases)}"
                row.append(f"{verdict} ({source.name})")
                if kind == "wrong":
                    told = report.diagnosis["name"] if report.diagnosis else (
                        report.error or (report.first_failure.message if report.first_failure else ""))
                    row.append(" ".join(str(told).split())[:90])
            print("| " + " | ".join(row) + " |")
    sandbox.close()


if __name__ == "__main__":
    main()
