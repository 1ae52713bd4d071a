"""The statement's and hints' own claims, checked against the reference: two checks of
`grader validate` that need no foreseen mistake.

- "prose examples": worked examples written as text (`f(...) -> 0.6395`) in the
  statement, the hints and the stub (grader/instructor/prose_examples.py). A mismatch is
  an error: only a readable call of the entry point is judged.
- "formulas": code in hints, the statement and the stub's inline spans evaluated on the reference's own
  intermediates (grader/instructor/formula_check.py): one that reproduces a known
  mistake's value (a tensor) and not the reference's is an error;
  a statement block that defines the entry point and fails cases the reference passes is
  a warning (grader/instructor/statement_solutions.py).
"""

from __future__ import annotations

import re

from typing import Callable

from ..course.cases import Case
from ..course.loader import Problem
from .formula_check import check_formulas
from .prose_examples import check_prose
from .statement_solutions import check_blocks
from .statement_text import hint_lines, hint_snippets, inline_spans, statement_snippets, text_lines
from .validation import Finding

PROSE, FORMULAS = "prose examples", "formulas"


def prose_findings(problem: Problem, rel: Callable) -> list[Finding]:
    entry = getattr(problem.reference, problem.entry, None)
    if entry is None:
        return []
    toml = problem.dir / "problem.toml"
    snippets = (text_lines(problem.statement_path, rel(problem.statement_path))
                + hint_lines(toml, list(problem.hints), rel(toml)) + text_lines(problem.stub_path, rel(problem.stub_path)))
    return [Finding("error", PROSE, f"{m.snippet.at()}: the worked example `{m.call}` shows {m.shown} but the "
                    f"reference gives {m.got}: fix the statement (or the reference)")
            for m in check_prose(snippets, problem.entry, entry)]


NEGATION = re.compile(r"\b(not|never|instead|avoid|wrong|mistake|slip|don't|do not|rather than)\b", re.IGNORECASE)


def _teaches(snippet, hints: list[str]) -> bool:
    """Whether the snippet is in a hint that says to compute it: a statement may list the usual slips
    ("`x**2` for `x**3`"), and a hint may warn against one; only a hint with no word of negation
    is read as an instruction."""
    if not snippet.label.startswith("hint "):
        return False
    try:
        text = hints[int(snippet.label.split()[1]) - 1]
    except (ValueError, IndexError):
        return False
    return snippet.text in text and not NEGATION.search(text)


def _stub_spans(problem: Problem, rel: Callable) -> list:
    """The stub's inline code: its docstrings are the first text a learner reads."""
    path = problem.stub_path
    return inline_spans(path.read_text(encoding="utf-8", errors="replace"), rel(path)) if path.exists() else []


def formula_findings(problem: Problem, cases: list[Case], rel: Callable) -> list[Finding]:
    toml = problem.dir / "problem.toml"
    snippets = statement_snippets(problem.statement_path, rel(problem.statement_path)) + \
        hint_snippets(toml, list(problem.hints), rel(toml)) + _stub_spans(problem, rel)
    out = []
    for f in check_formulas(problem, snippets, cases):
        if not f.name and not _teaches(f.snippet, list(problem.hints)):
            continue  # an unnamed step matched: said only of a hint that tells the learner to write it
        what = (f"(its `{f.name}` = {f.formula_value} on case {f.case!r}), not the reference's `{f.name}` = "
                f"{f.reference_value}" if f.name else
                f"(a step of it equals {f.formula_value} on case {f.case!r}), which nothing the reference computes "
                "equals")
        out.append(Finding("error", FORMULAS,
                           f"{f.snippet.at()}: `{f.formula}` computes what the known mistake {f.mistake!r} computes "
                           f"{what}: a learner who follows it makes that mistake; fix the text (or the reference)"))
    for b in check_blocks(problem, statement_snippets(problem.statement_path, rel(problem.statement_path)), cases):
        shown = ", ".join(f"{c.case!r} ({c.message})" for c in b.failed[:3])
        out.append(Finding("warning", FORMULAS,
                           f"{b.snippet.at()}: the statement's code defining `{problem.entry}` fails "
                           f"{len(b.failed)} of {b.total} cases the reference passes: {shown}; if it is meant as "
                           "a right solution, the statement and the reference disagree"))
    return out
