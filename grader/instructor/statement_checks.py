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
- "relations": a bound written in the texts (`i - window < j <= i`) over names the
  reference's entry point relates too, compared with the reference's relations on a grid
  of small integers (grader/instructor/relation_check.py): one that agrees with none of
  them, their parts or their negations, is an error.
"""

from __future__ import annotations

import re

from typing import Callable

from ..course.cases import Case
from ..course.loader import Problem
from .formula_check import check_formulas
from .prose_examples import check_prose
from .relation_check import check_relations
from .statement_solutions import check_blocks
from .statement_text import hint_lines, hint_snippets, inline_spans, statement_snippets, text_lines
from .validation import Finding

PROSE, FORMULAS, RELATIONS = "prose examples", "formulas", "relations"


def _every_line(problem: Problem, rel: Callable) -> list:
    """Every line of the statement, each hint, and every line of the stub: where prose claims may be."""
    toml = problem.dir / "problem.toml"
    return (text_lines(problem.statement_path, rel(problem.statement_path))
            + hint_lines(toml, list(problem.hints), rel(toml)) + text_lines(problem.stub_path, rel(problem.stub_path)))


def prose_findings(problem: Problem, rel: Callable) -> list[Finding]:
    entry = getattr(problem.reference, problem.entry, None)
    if entry is None:
        return []
    snippets = _every_line(problem, rel)
    return [Finding("error", PROSE, f"{m.snippet.at()}: the worked example `{m.call}` shows {m.shown} but the "
                    f"reference gives {m.got}: fix the statement (or the reference)")
            for m in check_prose(snippets, problem.entry, entry)]


def relation_findings(problem: Problem, rel: Callable) -> list[Finding]:
    entry = getattr(problem.reference, problem.entry, None)
    if entry is None:
        return []
    snippets = _every_line(problem, rel)
    return [Finding("error", RELATIONS, f"{c.snippet.at()}: the text states `{c.relation}`, which agrees with no "
                    f"relation the reference computes over the same names (it computes `{c.reference}`): a learner "
                    "who follows the text is off at the boundary; fix the text (or the reference)")
            for c in check_relations(snippets, entry)]


NEGATION = re.compile(r"\b(not|never|instead|avoid|wrong|mistake|slip|don't|do not|rather than)\b", re.IGNORECASE)


def _sentence_with(text: str, code: str) -> str | None:
    """The sentence (or `;`-clause) of `text` that holds the code `code`, read with every code
    span masked (a span's own dots and semicolons end nothing)."""
    spans: list[str] = []
    masked = re.sub(r"`[^`]*`", lambda m: spans.append(m.group(0)) or f"\x00{len(spans) - 1}\x00", text)
    for sentence in re.split(r"(?<=[.!?;])\s+", masked):
        restored = re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], sentence)
        if code in restored:
            return restored
    return None


def _teaches(snippet, hints: list[str]) -> bool:
    """Whether the snippet is in a hint that says to compute it: a statement may list the usual slips
    ("`x**2` for `x**3`"), and a hint may warn against one; only a hint sentence with no word of
    negation is read as an instruction ("... by P: `formula`. It is not symmetric." teaches the
    formula; "Use `a`, not `b`." teaches neither)."""
    if not snippet.label.startswith("hint "):
        return False
    try:
        text = hints[int(snippet.label.split()[1]) - 1]
    except (ValueError, IndexError):
        return False
    sentence = _sentence_with(text, snippet.text)
    return sentence is not None and not NEGATION.search(sentence)


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
