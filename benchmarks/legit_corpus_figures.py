"""The legitimate-behaviour corpus (tests/legit_corpus.py) at every isolation level,
run by whatever interpreter runs this script: run it from a Python environment that
lives in the temporary directory (a copy of a venv under /tmp) to see that torch's lazy
imports still work in the confined child. Prints pass counts per level and each failure.

    /tmp/some-venv/bin/python benchmarks/legit_corpus_figures.py [--levels namespaces,uid,none]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from legit_corpus import PROGRAMS  # noqa: E402


def run_level(level: str) -> list[str]:
    import grader.verdict.runner as runner
    from grader.course.loader import Course
    from grader.verdict.runner import check_problem
    from grader.sandbox.parent import Sandbox

    runner.scan_file = lambda *a, **k: ([], None)  # the sandbox alone: the policy is judged elsewhere
    course = Course()
    failures = []
    box = Sandbox(isolation=level)
    box.start()
    try:
        for program in PROGRAMS:
            with tempfile.TemporaryDirectory() as tmp:
                ws = Path(tmp)
                problem = course.get(program.slug)
                for name, text in program.helpers.items():
                    (ws / f"{name}.py").write_text(text)
                path = ws / f"{problem.module_name}.py"
                path.write_text(program.source)
                report = check_problem(course, problem, file=path, workspace=ws, sandbox=box, diagnose=False,
                                       localise=False)
                if not report.passed:
                    bad = next((f"{c.name}: {c.message}" for c in report.cases if not c.passed), report.error)
                    failures.append(f"{program.name}: {str(bad)[:160]}")
    finally:
        box.close()
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="namespaces,uid,none")
    args = parser.parse_args()
    print(f"python {sys.executable} (prefix {sys.prefix})")
    for level in args.levels.split(","):
        failures = run_level(level)
        print(f"{level:<11} {len(PROGRAMS) - len(failures)}/{len(PROGRAMS)} passed")
        for line in failures[:10]:
            print("   ", line)
