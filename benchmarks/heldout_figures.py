"""Diagnosis figures on a set of solution files: how many wrong solutions get a diagnosis
that names what is actually wrong, none misnamed, no correct solution diagnosed.

A set is a folder with `wrong/<slug>/*.py` and `correct/<slug>/*.py` (benchmarks/solution_sets/heldout),
or `<slug>/*.py` of wrong solutions only (benchmarks/solution_sets/tuning_wrong). Each wrong file's
docstring says `MISTAKE: ...` and `EXPECTED DIAGNOSIS: ...`; it may also say
`KEYWORDS: a | b, c` (alternatives separated by `|`, each a comma-separated list of words
that must ALL appear in the diagnosis name) and `WRONG IF: word, ...` (a diagnosis name
with any of these words is a misnaming). Without KEYWORDS, a judgement file
(`--judged FILE`, JSON {relative path: "right" | "misnamed" | "vague"}) decides, written by
hand after reading each diagnosis next to the file's MISTAKE line; a file judged by
neither is counted "unjudged".

    python benchmarks/heldout_figures.py SET [--tests] [--before] [--judged FILE] [--json OUT] [--only SLUG]

--tests adds the WRONG/NAMED/CORRECT solutions of tests/test_*.py (their expected names
judge them). --before disables the evidence layer (grader/verdict/explain.py), for the figures
before it. Every check runs in-process with one Sandbox, through grader.verdict.runner.check_problem.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


@dataclass
class Item:
    slug: str
    label: str  # relative path or test key
    source: str
    wrong: bool
    mistake: str = ""
    expected: str = ""
    keywords: list[list[str]] = field(default_factory=list)
    wrong_if: list[str] = field(default_factory=list)


def _field(doc: str, name: str) -> str:
    m = re.search(rf"^\s*{name}:\s*(.+(?:\n(?!\s*[A-Z ]+:).+)*)", doc, re.M)
    return " ".join(m.group(1).split()) if m else ""


def _docstring(source: str) -> str:
    m = re.match(r'\s*(?:#.*\n)*\s*[rRuU]?("""|\'\'\')(.*?)\1', source, re.S)
    return m.group(2) if m else ""


def from_file(path: Path, root: Path, slug: str, wrong: bool) -> Item:
    source = path.read_text()
    doc = _docstring(source)
    kw = _field(doc, "KEYWORDS")
    keywords = [[w.strip().lower() for w in alt.split(",") if w.strip()] for alt in kw.split("|")] if kw else []
    wrong_if = [w.strip().lower() for w in _field(doc, "WRONG IF").split(",") if w.strip()]
    return Item(slug, str(path.relative_to(root)), source, wrong, _field(doc, "MISTAKE"),
                _field(doc, "EXPECTED DIAGNOSIS"), keywords, wrong_if)


def collect_set(root: Path, only: str | None) -> list[Item]:
    items = []
    if (root / "wrong").is_dir() or (root / "correct").is_dir():
        for kind in ("wrong", "correct"):
            for path in sorted((root / kind).glob("*/*.py")):
                if not only or path.parent.name == only:
                    items.append(from_file(path, root, path.parent.name, kind == "wrong"))
    else:
        for path in sorted(root.glob("*/*.py")):
            if not only or path.parent.name == only:
                items.append(from_file(path, root, path.parent.name, True))
    return items


def collect_tests(only: str | None) -> list[Item]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from diagnosis_figures import collect

    items = []
    for test_file, slug, wrong, correct in collect(only):
        for key, source in wrong.items():
            name = key.split(" [")[0]
            kws = [] if name.startswith("(unexplained)") else [[name.lower()]]
            items.append(Item(slug, f"tests/{test_file}::{key}", textwrap.dedent(source), True, name, name, kws))
        for key, source in correct.items():
            items.append(Item(slug, f"tests/{test_file}::{key}", textwrap.dedent(source), False))
    return items


def verdict(item: Item, diagnosis: dict | None, judged: dict) -> str:
    """right | misnamed | vague | unexplained | unjudged (wrong solutions)."""
    if diagnosis is None:
        return "unexplained"
    name = diagnosis.get("name", "").lower()
    if item.label in judged:
        return judged[item.label]
    if any(w in name for w in item.wrong_if):
        return "misnamed"
    if item.keywords:
        if any(all(w in name for w in alt) for alt in item.keywords):
            return "right"
        return "misnamed"  # a vague but true diagnosis is judged by hand (--judged), never assumed
    return "unjudged"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("set", nargs="?")
    ap.add_argument("--tests", action="store_true")
    ap.add_argument("--before", action="store_true")
    ap.add_argument("--judged")
    ap.add_argument("--json")
    ap.add_argument("--only")
    args = ap.parse_args()

    from grader.sandbox.parent import Sandbox

    sandbox = Sandbox()
    sandbox.start()  # before any reference is loaded
    import grader.verdict.explain as explain_module
    from grader.course.loader import Course
    from grader.verdict.runner import check_problem

    costs: list[float] = []
    cost_of: dict[str, list[float]] = {}  # per problem slug
    original = explain_module.explain

    def timed(*a, **kw):
        t = time.perf_counter()
        try:
            return None if args.before and a[1].diagnosis is None else original(*a, **kw)
        finally:
            if a[1].diagnosis is None or a[1].diagnosis.get("evidence") != "known-mistake":
                costs.append((time.perf_counter() - t) * 1000)
                cost_of.setdefault(a[0].slug, []).append(costs[-1])

    explain_module.explain = timed
    course = Course()
    items = (collect_set(Path(args.set).resolve(), args.only) if args.set else []) + \
        (collect_tests(args.only) if args.tests else [])
    judged = json.loads(Path(args.judged).read_text()) if args.judged else {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        known = {p.slug for p in course}
        for item in items:
            if item.slug not in known:
                continue  # e.g. tests/test_report.py: a helper's examples, not a problem's
            problem = course.get(item.slug)
            folder = Path(tmp) / re.sub(r"\W+", "_", item.label)
            folder.mkdir(parents=True)
            path = folder / f"{problem.module_name}.py"
            path.write_text(item.source)
            report = check_problem(course, problem, file=path, sandbox=sandbox)
            d = report.diagnosis
            if item.wrong:
                v = "passed" if report.passed else verdict(item, d, judged)
            else:
                v = "failed" if not report.passed else ("diagnosed" if d else "clean")
            rows.append({"slug": item.slug, "file": item.label, "wrong": item.wrong, "verdict": v,
                         "mistake": item.mistake, "diagnosis": d and d.get("name"),
                         "evidence": d and d.get("evidence"), "seen": d and d.get("seen")})
            print(f"{v:11} {item.label}\n            mistake:   {item.mistake[:150]}\n"
                  f"            diagnosis: {(d or {}).get('evidence', '-')}: {(d or {}).get('name', '-')}",
                  file=sys.stderr)
    sandbox.close()

    slugs = sorted({r["slug"] for r in rows}, key=lambda s: course.get(s).order)
    print(f"{'problem':18} {'wrong':>5} {'right':>5} {'vague':>5} {'unexpl':>6} {'misnamed':>8} {'unjudged':>8} "
          f"{'correct':>7} {'diagnosed':>9} {'evidence ms (median)':>20}")
    total = {k: 0 for k in ("wrong", "right", "vague", "unexplained", "misnamed", "unjudged", "correct", "diagnosed")}
    for slug in slugs:
        mine = [r for r in rows if r["slug"] == slug]
        w = [r for r in mine if r["wrong"]]
        c = [r for r in mine if not r["wrong"]]
        line = {"wrong": len(w), **{k: sum(r["verdict"] == k for r in w) for k in
                                    ("right", "vague", "unexplained", "misnamed", "unjudged")},
                "correct": len(c), "diagnosed": sum(r["verdict"] == "diagnosed" for r in c)}
        for k in total:
            total[k] += line[k]
        ms = f"{statistics.median(cost_of[slug]):.0f} ({len(cost_of[slug])} checks)" if cost_of.get(slug) else "-"
        print(f"{slug:18} {line['wrong']:>5} {line['right']:>5} {line['vague']:>5} {line['unexplained']:>6} "
              f"{line['misnamed']:>8} {line['unjudged']:>8} {line['correct']:>7} {line['diagnosed']:>9} {ms:>20}")
    print(f"{'TOTAL':18} {total['wrong']:>5} {total['right']:>5} {total['vague']:>5} {total['unexplained']:>6} "
          f"{total['misnamed']:>8} {total['unjudged']:>8} {total['correct']:>7} {total['diagnosed']:>9}")
    if total["wrong"]:
        print(f"named right: {total['right'] / total['wrong']:.0%} of wrong solutions")
    if costs:
        print(f"evidence-layer cost on a failing check: median {statistics.median(costs):.0f} ms, "
              f"max {max(costs):.0f} ms over {len(costs)} checks")
    passed = [r for r in rows if r["wrong"] and r["verdict"] == "passed"]
    if passed:
        print(f"{len(passed)} 'wrong' solutions passed: " + ", ".join(r["file"] for r in passed))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "total": total,
                                               "cost_ms": costs, "cost_ms_by_problem": cost_of}, indent=1))
    return 1 if total["misnamed"] or total["diagnosed"] else 0


if __name__ == "__main__":
    sys.exit(main())
