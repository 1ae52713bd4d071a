"""The statement's worked examples, executed against the reference.

A fenced Python block of the statement (problems/<slug>/README.md) holding `>>>` lines
is a doctest: it runs with the entry point's name bound to the reference's solution (and
`torch`, `math`, `F` = torch.nn.functional at hand). An example whose printed result
differs from what it shows is a statement that contradicts the reference. The stub's
docstrings are read the same way (a learner reads them too): each one holding `>>>` lines
is a doctest.
"""

from __future__ import annotations

import ast
import doctest
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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


def docstring_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, docstring) of every docstring of a Python file that holds `>>>` lines."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str) and ">>>" in first.value.value:
                out.append((first.lineno, first.value.value))
    return out


class _Collect(doctest.DocTestRunner):
    def __init__(self):
        super().__init__(optionflags=FLAGS, verbose=False)
        self.found: list[tuple[doctest.Example, str]] = []

    def report_failure(self, out, test, example, got):
        self.found.append((example, got))

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.found.append((example, f"{exc_info[0].__name__}: {exc_info[1]}"))


def run_examples(statement: Path, entry_name: str, entry,
                 blocks: Callable[[str], list[tuple[int, str]]] = example_blocks) -> tuple[int, list[ExampleFailure]]:
    """(examples run, failures) for the file's `>>>` blocks (the statement's fenced blocks, or
    `blocks=docstring_blocks` for the stub), with the reference as the entry."""
    if not statement.exists():
        return 0, []
    text = statement.read_text(encoding="utf-8", errors="replace")
    parser, ran, failures = doctest.DocTestParser(), 0, []
    for first_line, block in blocks(text):
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
