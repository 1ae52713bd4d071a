"""Bounds the texts state (`i - window < j <= i`), checked against the reference's own.

A statement, a hint or the stub's docstring often states a bound in symbols that never
run: "query i sees the keys j with i - window < j <= i". When the reference's entry point
computes a relation over exactly the same names (`(j <= i) & (i - j < window)`), both are
boolean functions of those names and can be compared on a grid of small integers. A text
relation that agrees with no relation of the reference over those names, with no part of
one and with no negation of one, states another bound than the one the reference
computes: an error, at the text's line.

Precise by construction: only a relation over a set of names the reference itself relates
is judged (a name set it never relates is skipped: the text may speak of other things);
the reference's parts and negations count as agreement (a text may state half of a
condition, or the hidden keys instead of the visible ones); the known mistakes' code is
never read; anything that is not plain integer arithmetic and comparison is skipped.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import textwrap
from dataclasses import dataclass
from typing import Callable

from .statement_text import Snippet

GRID = range(0, 7)  # every name takes each of these values
MAX_NAMES = 4
_TERM = r"(?:[A-Za-z_]\w*|\d+)(?:\s*[-+*]\s*(?:[A-Za-z_]\w*|\d+))*"
RELATION = re.compile(rf"(?<![\w.]){_TERM}(?:\s*(?:<=|>=|==|!=|<|>)\s*{_TERM})+(?![\w(\[]|\.\w)")
_UNICODE = str.maketrans({"≤": "<=", "≥": ">=", "≠": "!=", "−": "-", "`": " "})
_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b if b else None, ast.Mod: lambda a, b: a % b if b else None,
        ast.BitAnd: lambda a, b: a & b, ast.BitOr: lambda a, b: a | b}
_CMP = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
        ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


@dataclass(frozen=True)
class Contradiction:
    snippet: Snippet
    relation: str
    reference: str  # the reference's relation over the same names


def _value(node: ast.AST, env: dict):
    """An int or bool, or None when the node is not plain integer arithmetic/comparison."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, bool):
        return node.value
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = _value(node.left, env), _value(node.right, env)
        return None if a is None or b is None else _OPS[type(node.op)](a, b)
    if isinstance(node, ast.UnaryOp):
        v = _value(node.operand, env)
        if v is None:
            return None
        if isinstance(node.op, (ast.Not, ast.Invert)):
            return not v if isinstance(v, bool) else None  # `~mask` of a relation
        return -v if isinstance(node.op, ast.USub) else None
    if isinstance(node, ast.BoolOp):
        vs = [_value(v, env) for v in node.values]
        if any(v is None for v in vs):
            return None
        return all(vs) if isinstance(node.op, ast.And) else any(vs)
    if isinstance(node, ast.Compare):
        left, out = _value(node.left, env), True
        for op, right_node in zip(node.ops, node.comparators):
            right = _value(right_node, env)
            if left is None or right is None or type(op) not in _CMP:
                return None
            out, left = out and _CMP[type(op)](left, right), right
        return out
    return None


def _names(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _table(node: ast.AST, names: frozenset[str]) -> tuple | None:
    """The relation's truth value on every point of the grid (None if it is not a relation)."""
    order = sorted(names)
    out = []
    for point in itertools.product(GRID, repeat=len(order)):
        v = _value(node, dict(zip(order, point)))
        if not isinstance(v, bool):
            return None
        out.append(v)
    return tuple(out)


def _is_relation(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.BoolOp) or (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr))):
        return True
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.Invert))


def reference_relations(fn: Callable) -> dict[frozenset[str], list[tuple[str, tuple]]]:
    """{name set: [(source, truth table)]} of every relation in the entry point's own body,
    with every part of a compound one (`j <= i` and `i - j < window` of their `&`)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return {}
    out: dict[frozenset[str], list[tuple[str, tuple]]] = {}
    for node in ast.walk(tree):
        if not _is_relation(node):
            continue
        names = _names(node)
        if not names or len(names) > MAX_NAMES:
            continue
        table = _table(node, names)
        if table is not None:
            out.setdefault(names, []).append((ast.unparse(node), table))
    return out


def text_relations(text: str) -> list[tuple[str, ast.AST]]:
    """(text, tree) of each chained comparison of names and integers written in a line."""
    out = []
    for m in RELATION.finditer(text.translate(_UNICODE)):
        source = " ".join(m.group(0).split())
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError:
            continue
        if isinstance(tree, ast.Compare):
            out.append((source, tree))
    return out


def check_relations(snippets: list[Snippet], fn: Callable) -> list[Contradiction]:
    """The text relations over a name set the reference relates, agreeing with none of its relations."""
    ours = reference_relations(fn)
    if not ours:
        return []
    out = []
    for snippet in snippets:
        for source, tree in text_relations(snippet.text):
            names = _names(tree)
            theirs = ours.get(names)
            if not theirs:
                continue
            table = _table(tree, names)
            if table is None:
                continue
            if any(table == t or table == tuple(not v for v in t) for _, t in theirs):
                continue
            out.append(Contradiction(snippet, source, max((s for s, _ in theirs), key=len)))
    return out
