"""Which variants cannot change what the reference computes on a set of runs: their edits sit
in lines of a function body that those runs never execute (a sampler's helper on greedy cases).

Such a variant gives the reference's own outputs, bit for bit, on those runs: running it
is wasted work (a fifth of `generate`'s variants on its deterministic cases). What ran is
recorded with `sys.settrace` while the reference runs (trusted code), as (file, line).

Only edits inside a function's body count: a default value, a decorator or a class-level
statement is evaluated when the variant is built, not when it is called, so its line
never shows in a trace of calls and an edit there is always treated as reached.
"""

from __future__ import annotations

import ast
import contextlib
import os
import sys
from typing import Iterator

from .variants import Unit, Variant


@contextlib.contextmanager
def reached_lines(units: list[Unit]) -> Iterator[set[tuple[str, int]] | None]:
    """Record every (file, line) of the units' files executed inside the block. Yields None
    (nothing is recorded, and nothing may be skipped) when a tracer is already set: a coverage
    tool or a debugger keeps its own."""
    if sys.gettrace() is not None:
        yield None
        return
    files = {os.path.realpath(u.file) for u in units}
    names: dict[str, str | None] = {}
    lines: set[tuple[str, int]] = set()

    def home(filename: str) -> str | None:
        if filename not in names:
            real = os.path.realpath(filename)
            names[filename] = real if real in files else None
        return names[filename]

    def local(frame, event, arg):
        if event == "line":
            lines.add((home(frame.f_code.co_filename), frame.f_lineno))
        return local

    def called(frame, event, arg):
        real = home(frame.f_code.co_filename)
        if real is None:
            return None  # not a solution file: no line events there
        lines.add((real, frame.f_lineno))
        return local

    sys.settrace(called)
    try:
        yield lines
    finally:
        sys.settrace(None)


def _function_code(tree: ast.AST) -> set[int]:
    """ids of the nodes evaluated only when a function runs: every FunctionDef and what its
    body holds (not its defaults, decorators or annotations)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.add(id(node))
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def unreached(units: list[Unit], variants: list[Variant], lines: set[tuple[str, int]] | None) -> set[int]:
    """Indices of the variants every edit of which lies in function code none of whose lines ran."""
    if lines is None:
        return set()
    per_unit = {}
    for k, unit in enumerate(units):
        nodes = list(ast.walk(unit.tree))
        per_unit[k] = (nodes, _function_code(unit.tree), os.path.realpath(unit.file))
    out = set()
    for i, variant in enumerate(variants):
        if variant.edits and all(_unreached_edit(per_unit[e.unit], e.node, lines) for e in variant.edits):
            out.add(i)
    return out


def _unreached_edit(unit_nodes, index: int, lines: set[tuple[str, int]]) -> bool:
    nodes, inside, file = unit_nodes
    if index >= len(nodes):
        return False
    node = nodes[index]
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if id(node) not in inside or start is None or end is None:
        return False
    return not any((file, line) in lines for line in range(start, end + 1))
