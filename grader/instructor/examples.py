"""The statement's worked examples, executed against the reference.

A fenced Python block of the statement (problems/<slug>/README.md) holding `>>>` lines
is a doctest: it runs with the entry point's name bound to the reference's solution (and
`torch`, `math`, `F` = torch.nn.functional at hand). An example whose printed result
differs from what it shows is a statement that contradicts the reference.
"""

from __future__ import annotations

import doctest
import math
import re
from dataclasses import dataclass
from pathlib import Path

import torch

FENCE = re.compile(r"^```(?:python|py|pycon)?\s*\n(.*?)^```", re.MULTILINE | re.DOTALL)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@dataclass(frozen=True)
class ExampleFailure:
    line: int  # in the statement
    source: str
    expected: str
    got: str


def example_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, block text) of every fenced block that holds `>>>` lines."""
    out = []
    for m in FENCE.finditer(text):
        if ">>>" in m.group(1):
            out.append((text[:m.start(1)].count("\n") + 1, m.group(1)))
    return out


class _Collect(doctest.DocTestRunner):
    def __init__(self):
        super().__init__(optionflags=FLAGS, verbose=False)
        self.found: list[tuple[doctest.Example, str]] = []

    def report_failure(self, out, test, example, got):
        self.found.append((example, got))

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.found.append((example, f"{exc_info[0].__name__}: {exc_info[1]}"))


def run_examples(statement: Path, entry_name: str, entry) -> tuple[int, list[ExampleFailure]]:
    """(examples run, failures) for the statement's `>>>` blocks, with the reference as the entry."""
    if not statement.exists():
        return 0, []
    text = statement.read_text(encoding="utf-8", errors="replace")
    parser, ran, failures = doctest.DocTestParser(), 0, []
    for first_line, block in example_blocks(text):
        globs = {"torch": torch, "math": math, "F": torch.nn.functional, entry_name: entry}
        test = parser.get_doctest(block, globs, entry_name, str(statement), first_line - 1)
        runner = _Collect()
        torch.manual_seed(0)
        runner.run(test, out=lambda _s: None, clear_globs=True)
        ran += len(test.examples)
        for example, got in runner.found:
            failures.append(ExampleFailure(first_line + example.lineno, example.source.strip(),
                                           example.want.strip(), got.strip()))
    return ran, failures
