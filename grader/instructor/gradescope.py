"""The Gradescope side of `grader export gradescope`: grade one submission, write results.json.

Runs inside the autograder (`run_autograder` calls `python -m grader.instructor.gradescope`), where
the package source sits in /autograder/source/src with the course bundled as
grader/course_data (so the course is the shipped one there) and gradescope.json beside
it says which problems, seed, points and visibility. The root (/autograder) can be moved
with --root or GRADER_AUTOGRADER_ROOT, which is how the tests run it in a temporary tree.
Results follow Gradescope's format: a total score and one test per problem (name, score,
max_score, status, output, visibility). Whatever happens, a results.json is written.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
import traceback
from pathlib import Path

from ..sandbox.parent import Sandbox

DEFAULT_ROOT = "/autograder"


def find_files(submission: Path, course, slugs: list[str]) -> dict[str, Path]:
    """slug -> the learner's file for it (named by slug or module name, anywhere in the
    upload; the shallowest wins)."""
    found: dict[str, Path] = {}
    paths = sorted((p for p in submission.rglob("*.py")
                    if not any(part.startswith((".", "__")) for part in p.relative_to(submission).parts)),
                   key=lambda p: (len(p.relative_to(submission).parts), p.name != f"{p.stem.replace('-', '_')}.py",
                                  str(p)))
    for path in paths:
        slug = path.stem.replace("_", "-")
        if slug in slugs and slug not in found:
            found[slug] = path
    return found


def report_text(report) -> str:
    from rich.console import Console

    from ..verdict.report import render

    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True, force_terminal=False, emoji=False)
    render(report, console, hint_command=False, verbose=True)
    return buffer.getvalue()


def grade(root: Path) -> dict:
    from ..course.loader import Course
    from ..verdict.runner import check_problem

    started = time.monotonic()
    config = json.loads((root / "source" / "gradescope.json").read_text(encoding="utf-8"))
    # The autograder's own files (gradescope.json holds the hidden seed) and its results
    # are hidden too; the submission is read before the child is confined.
    sandbox = Sandbox(hidden=[root / "source", root / "results"])
    sandbox.start()  # before any reference is loaded
    try:
        level = sandbox.level()
        if level is None or (level.value == "none" and not config.get("allow_unisolated")):
            why = sandbox.error if level is None else (
                "this container cannot confine learner code (no user namespaces, not root); the instructor can "
                "allow it with `grader export gradescope --allow-unisolated`")
            return {"score": 0.0, "tests": [], "output": f"The autograder refused to run submissions: {why}. "
                    "Tell your instructor; this is not your code's fault."}
        course = Course()
        slugs = list(config["problems"])
        files = find_files(root / "submission", course, slugs)
        visibility = config.get("visibility", "visible")
        tests, lines = [], []
        for number, slug in enumerate(slugs, 1):
            problem = course.get(slug)
            points = float(config.get("points", {}).get(slug, 1.0))
            test = {"name": f"{problem.title} ({slug})", "number": str(number), "max_score": points,
                    "visibility": visibility}
            path = files.get(slug)
            if path is None:
                names = f"{problem.module_name}.py" + (f" (or {slug}.py)" if slug != problem.module_name else "")
                test.update(score=0.0, status="failed", output=f"No file for {slug}: upload {names}.")
                lines.append(f"{slug}: missing")
            else:
                report = check_problem(course, problem, file=path, workspace=path.parent, seed=int(config["seed"]),
                                       sandbox=sandbox)
                report.file = str(path.relative_to(root / "submission"))
                test.update(score=round(report.score * points, 4), status="passed" if report.passed else "failed",
                            output=report_text(report))
                lines.append(f"{slug}: {summary_line(report)}")
            tests.append(test)
    finally:
        sandbox.close()
    return {"score": round(sum(t["score"] for t in tests), 4), "execution_time": round(time.monotonic() - started, 2),
            "output": "\n".join(lines), "visibility": visibility, "stdout_visibility": "hidden", "tests": tests}


def summary_line(report) -> str:
    """One line per problem for the summary: why a submission whose cases pass still scores 0."""
    cases = f"{sum(c.passed for c in report.cases)}/{len(report.cases)} cases"
    if report.passed:
        return f"passed ({cases})"
    banned = sorted({v.api for v in report.violations if getattr(v, "api", None)})
    if report.violations:
        what = f"uses {', '.join(banned)}" if banned else "breaks the import policy"
        return f"not passed: {what}, which this problem forbids (score 0; {cases} otherwise)"
    if report.error:
        return f"not passed: {report.error.splitlines()[0][:120]}"
    return f"not passed ({cases})"


def run(root: str | Path) -> dict:
    root = Path(root)
    try:
        results = grade(root)
    except Exception:
        results = {"score": 0.0, "tests": [],
                   "output": "The autograder itself failed (not your code); tell your instructor.\n\n"
                             + traceback.format_exc()[-4000:]}
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Grade a Gradescope submission with the grader.")
    parser.add_argument("--root", default=os.environ.get("GRADER_AUTOGRADER_ROOT", DEFAULT_ROOT))
    args = parser.parse_args(argv)
    run(args.root)


if __name__ == "__main__":
    main()
