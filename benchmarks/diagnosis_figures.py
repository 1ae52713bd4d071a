"""How well the grader names mistakes, measured on the wrong solutions in the tests.

Every tests/test_*.py may hold `WRONG = {expected mistake name: source}` (or `NAMED`,
the same) and `CORRECT = {style: source}` (the problem is the module's `SLUG`, else the
file name: test_mlm_forward.py -> mlm-forward). A key may end in " [...]" to tell two
ways of writing the same mistake apart; the part before it is the expected name. Each source is checked as a workspace file, as
`grader check` would, and classified:

  wrong solutions:   named     the report names the expected mistake
                     unexplained   no mistake named (or several fit: "ambiguous")
                     misnamed  a different mistake named -- must be 0
                     passed    the "wrong" solution passed -- a broken test
  correct solutions: diagnosed  a correct solution got a diagnosis -- must be 0
                     failed     a correct solution failed

Also counted per problem: known mistakes (distinct names in MISTAKES); "self-named":
how many of them, run as if they were the learner's code, are named as themselves and
nothing else on the same cases (the rest are indistinguishable from another mistake on
these cases: the report lists both and names neither; "-" for problems with their own
judge or probe); and how often localisation pointed at a building block ("stage").

    python benchmarks/diagnosis_figures.py [--json] [--only SLUG] [--no-localise] [--seed N]

Other seeds draw other cases: the rule "never name a wrong mistake" must hold for them too.

Exit status 1 if anything is misnamed, a correct solution is diagnosed, or fewer than
80% of the wrong solutions are named.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"


def collect(only: str | None = None) -> list[tuple[str, str, dict, dict]]:
    """(test file, slug, WRONG, CORRECT) for every test module that has them."""
    sys.path.insert(0, str(TESTS))
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"_figures_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # a test file being written by someone else
            print(f"skipped {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        wrong, correct = getattr(module, "WRONG", None), getattr(module, "CORRECT", None)
        wrong = wrong if isinstance(wrong, dict) else {}
        named = getattr(module, "NAMED", None)
        if isinstance(named, dict):
            wrong = {**named, **wrong}
        correct = correct if isinstance(correct, dict) else {}
        # Another shape: {label: (expected mistake name or None for "no name expected", source)}.
        wrong = {(f"{v[0]} [{k}]" if v[0] else f"(unexplained) {k}") if isinstance(v, tuple) else k:
                 (v[1] if isinstance(v, tuple) else v) for k, v in wrong.items()}
        if not wrong and not correct:
            continue
        slug = getattr(module, "SLUG", None) or path.stem.removeprefix("test_").replace("_", "-")
        if only and slug != only:
            continue
        found.append((path.name, slug, wrong, correct))
    return found


def self_identification(problem, seed: int) -> tuple[int, list[str]]:
    """Each known mistake's own outputs, diagnosed: (how many distinct mistakes are named
    as themselves and nothing else, notes on the others). No sandbox: the outputs are the
    mistakes' own, computed here. Problems with a custom judge or probe are skipped."""
    from grader.verdict.diagnose import _outputs_of, matching_mistakes
    from grader.verdict.runner import load_cases

    if problem.probe_path is not None or hasattr(problem.reference, "judge"):
        return -1, []
    cases = load_cases(problem, seed)
    first = {}
    for m in getattr(problem.reference, "MISTAKES", []):
        first.setdefault(m.name, m)
    named, notes = 0, []
    for name, mistake in first.items():
        values = {}
        for case in cases:
            out = _outputs_of(problem, mistake, case)
            if out is not None:
                values[case.name] = {"output": out}
        found = list(dict.fromkeys(m.name for m in matching_mistakes(problem, cases, values)))
        if found == [name]:
            named += 1
        else:
            notes.append(f"{problem.slug}: {name!r} -> {found}")
    return named, notes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", help="one problem slug")
    parser.add_argument("--no-localise", action="store_true", help="skip localisation (faster)")
    parser.add_argument("--seed", type=int, default=0, help="case seed (0: the public cases)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every non-named case")
    args = parser.parse_args(argv)

    from grader.sandbox.parent import Sandbox

    sandbox = Sandbox()
    sandbox.start()  # before any reference is loaded
    from grader.course.loader import Course, CourseError
    from grader.verdict.runner import check_problem

    course = Course()
    rows, details = [], []
    started = time.monotonic()
    try:
        for test_file, slug, wrong, correct in collect(args.only):
            try:
                problem = course.get(slug)
            except CourseError:
                print(f"skipped {test_file}: no problem {slug!r}", file=sys.stderr)
                continue
            row = {"problem": slug, "test_file": test_file,
                   "known_mistakes": len({m.name for m in getattr(problem.reference, "MISTAKES", [])}),
                   "wrong": 0, "named": 0, "unexplained": 0, "ambiguous": 0, "misnamed": 0, "passed": 0,
                   "stage_localised": 0, "correct": 0, "correct_diagnosed": 0, "correct_failed": 0, "seconds": 0.0}
            row["self_named"], notes = self_identification(problem, args.seed)
            details += [{"problem": slug, "outcome": "mistake not self-identified", "note": n} for n in notes]
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{problem.module_name}.py"

                def grade(source):
                    path.write_text(textwrap.dedent(source))
                    return check_problem(course, problem, file=path, workspace=tmp, sandbox=sandbox,
                                         localise=not args.no_localise, seed=args.seed)

                for expected, source in wrong.items():
                    if not isinstance(source, str):
                        continue
                    report = grade(source)
                    row["wrong"] += 1
                    got = (report.diagnosis or {}).get("name")
                    expected = expected.split(" [")[0]
                    if expected.startswith("(unexplained) "):
                        expected = None  # the test expects no name: right when none is given
                    stage = next((l for l in report.localisation if l.get("kind") == "stage"), None)
                    row["stage_localised"] += stage is not None
                    if report.passed:
                        outcome = "passed"
                    elif expected is not None and got == expected:
                        outcome = "named"
                    elif got is None:
                        outcome = "unexplained"
                        if any(l.get("kind") == "ambiguous" for l in report.localisation):
                            row["ambiguous"] += 1
                    else:
                        outcome = "misnamed"
                    row[outcome] += 1
                    if outcome != "named":
                        details.append({"problem": slug, "expected": expected, "outcome": outcome, "got": got,
                                        "candidates": next((l["candidates"] for l in report.localisation
                                                            if l.get("kind") == "ambiguous"), None),
                                        "stage": stage.get("stage") if stage else None,
                                        "first_failure": (report.first_failure.message[:160]
                                                          if report.first_failure else report.error)})
                for style, source in correct.items():
                    if not isinstance(source, str):
                        continue
                    report = grade(source)
                    row["correct"] += 1
                    row["correct_diagnosed"] += report.diagnosis is not None
                    row["correct_failed"] += not report.passed
                    if report.diagnosis is not None or not report.passed:
                        details.append({"problem": slug, "expected": f"correct: {style}",
                                        "outcome": "diagnosed" if report.diagnosis else "failed",
                                        "got": (report.diagnosis or {}).get("name"), "stage": None,
                                        "first_failure": report.first_failure.message[:160] if report.first_failure
                                        else report.error})
            row["seconds"] = round(time.monotonic() - t0, 1)
            rows.append(row)
    finally:
        sandbox.close()

    total = {k: sum(r[k] for r in rows) for k in ("known_mistakes", "wrong", "named", "unexplained", "ambiguous",
                                                    "misnamed", "passed", "stage_localised", "correct",
                                                    "correct_diagnosed", "correct_failed")}
    total["self_named"] = sum(r["self_named"] for r in rows if r["self_named"] >= 0)
    total["named_rate"] = round(total["named"] / total["wrong"], 3) if total["wrong"] else None
    total["seconds"] = round(time.monotonic() - started, 1)
    if args.json:
        print(json.dumps({"problems": rows, "total": total, "not_named": details}, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Diagnosis on the wrong solutions in tests/", title_justify="left")
        for col in ("problem", "known", "self-named", "wrong", "named", "unexplained", "(ambiguous)", "misnamed",
                    "passed!", "stage", "correct", "corr. diagnosed", "s"):
            table.add_column(col, justify="left" if col == "problem" else "right")
        for r in rows + [{"problem": "total", **total}]:
            self_named = r.get("self_named", "")
            table.add_row(r["problem"], str(r["known_mistakes"]), "-" if self_named == -1 else str(self_named),
                          str(r["wrong"]), str(r["named"]),
                          str(r["unexplained"]), str(r["ambiguous"]), str(r["misnamed"]), str(r["passed"]),
                          str(r["stage_localised"]), str(r["correct"]), str(r["correct_diagnosed"]),
                          str(r["seconds"]))
        console = Console(width=max(Console().width, 150))
        console.print(table)
        console.print(f"named {total['named']}/{total['wrong']} = {100 * (total['named_rate'] or 0):.1f}%   "
                      f"misnamed {total['misnamed']}   correct solutions diagnosed {total['correct_diagnosed']}")
        if args.verbose:
            for d in details:
                console.print(d)
    bad = total["misnamed"] or total["correct_diagnosed"] or (total["named_rate"] or 0) < 0.8
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
