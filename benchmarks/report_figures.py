"""How much screen a typical failing report takes: lines and widest line at 80 columns.

    python benchmarks/report_figures.py [--per-problem N] [--only SLUG] [--json] [--verbose]

Checks, per problem, the first N wrong solutions of the tests (the same collection as
benchmarks/diagnosis_figures.py: each test file's WRONG / NAMED), plus two reports every
learner meets (the shipped stub, and a one-line banned call), as `grader check` would
(workspace file, localisation on), renders each with a rich Console 80 columns wide as
`grader check` does (or `grader check --verbose` with --verbose), and prints the line
count and the widest line of each, with the median and maximum per problem.
The targets (issue 18): every report at most 80 columns, a typical one at most 40 lines.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

BANNED_CALL = ("gelu", "a one-line banned call",
               "import torch\ndef gelu(x):\n    return torch.nn.functional.gelu(x, approximate='tanh')\n")


def rendered(report, verbose: bool, width: int = 80) -> str:
    from rich.console import Console

    from grader.verdict.report import render

    console = Console(file=io.StringIO(), width=width, color_system=None)
    try:
        render(report, console, verbose=verbose)
    except TypeError:  # the renderer before --verbose existed
        render(report, console)
    return console.file.getvalue()


def measure(text: str) -> tuple[int, int]:
    lines = text.rstrip("\n").splitlines()
    return len(lines), max((len(line) for line in lines), default=0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-problem", type=int, default=2, help="wrong solutions per problem")
    parser.add_argument("--only", help="one problem slug")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="render as `grader check --verbose`")
    parser.add_argument("--print", dest="print_slug", help="also print the reports of this problem")
    args = parser.parse_args(argv)

    from grader.sandbox.parent import Sandbox

    sandbox = Sandbox()
    sandbox.start()  # before any reference is loaded
    from diagnosis_figures import collect

    from grader.course.loader import Course
    from grader.verdict.runner import check_problem

    course = Course()
    rows = []
    try:
        picked = []
        seen = set()
        for _test_file, slug, wrong, _correct in collect(args.only):
            if slug not in course.problems or slug in seen:
                continue
            seen.add(slug)
            sources = [(label, src) for label, src in wrong.items() if isinstance(src, str)][:args.per_problem]
            picked += [(slug, label, src) for label, src in sources]
            picked.append((slug, "the shipped stub", course.get(slug).stub_path.read_text()))
        if not args.only or args.only == BANNED_CALL[0]:
            picked.append(BANNED_CALL)
        for slug, label, source in picked:
            problem = course.get(slug)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{problem.module_name}.py"
                path.write_text(textwrap.dedent(source))
                report = check_problem(course, problem, file=path, workspace=tmp, sandbox=sandbox)
            text = rendered(report, args.verbose)
            lines, widest = measure(text)
            rows.append({"problem": slug, "solution": label, "lines": lines, "widest": widest,
                         "passed": report.passed})
            if args.print_slug == slug:
                print(text)
    finally:
        sandbox.close()

    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'problem':<18} {'lines':>5} {'widest':>6}  solution")
    for row in rows:
        print(f"{row['problem']:<18} {row['lines']:>5} {row['widest']:>6}  {row['solution'][:48]}")
    failing = [r for r in rows if not r["passed"]]
    counts = [r["lines"] for r in failing]
    print(f"\nfailing reports: {len(failing)}; lines median {statistics.median(counts):.0f}, "
          f"max {max(counts)}; over 40 lines: {sum(c > 40 for c in counts)}; "
          f"widest line {max(r['widest'] for r in failing)} (over 80: {sum(r['widest'] > 80 for r in failing)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
