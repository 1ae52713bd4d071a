"""Stable names for automatic variants (grader/evidence/variants.py), for an author to accept a
surviving variant by name in problem.toml.

A variant's `key` counts nodes from the top of its function: any edit above it renames it.
Its id here is made from what the edit is and what it edits, not where: the edit's kind and
detail, the function's file and name, the edited node and its enclosing statement (their
ASTs, without line numbers), and which of that function's identical (statement, node)
pairs it is. Editing, adding or moving other lines keeps the id; editing that statement
(or the edit itself) gives a new one, which is what an author should argue afresh.
"""

from __future__ import annotations

import ast
import hashlib

from .variants import EditKind, Unit, Variant


def _statement_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST:
    while not isinstance(node, ast.stmt) and id(node) in parents:
        node = parents[id(node)]
    return node


def _shape(node: ast.AST, parents: dict[int, ast.AST], unit: Unit, edit) -> tuple[str, str]:
    """What the edit touches, without line numbers: the node and its statement; for two
    swapped statements, the two; for a whole function or class, its name."""
    if edit.kind is EditKind.STATEMENTS:
        body, j = getattr(node, edit.detail[0]), edit.detail[1]
        return ast.dump(body[j]), ast.dump(body[j + 1])
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"{type(node).__name__} {node.name}", ""
    stmt = _statement_of(node, parents)
    return ast.dump(node), ast.dump(stmt) if stmt is not unit.tree else ""


def _edit_signature(units: list[Unit], edit) -> str:
    unit = units[edit.unit]
    nodes = list(ast.walk(unit.tree))
    parents = {id(c): n for n in nodes for c in ast.iter_child_nodes(n)}
    shape = _shape(nodes[edit.node], parents, unit, edit)
    # which of this unit's nodes with the same shape, in walk order (identical lines twice)
    nth = 0
    for other in nodes[:edit.node]:
        if type(other) is type(nodes[edit.node]):
            try:
                nth += _shape(other, parents, unit, edit) == shape
            except (AttributeError, IndexError, TypeError):
                pass
    detail = edit.detail[:1] if edit.kind is EditKind.STATEMENTS else edit.detail  # not the position in the body
    return f"{unit.file.name}:{unit.name}:{edit.kind.value}:{detail!r}:{shape[0]}:{shape[1]}:{nth}"


def variant_id(units: list[Unit], variant: Variant) -> str:
    """`<kind>-<8 hex>`, e.g. `dtype-3fa9c2d1`: the same for the same edit across runs and
    across edits elsewhere in the reference."""
    h = hashlib.sha256("+".join(_edit_signature(units, e) for e in variant.edits).encode())
    return f"{variant.edits[0].kind.value.replace(' ', '-')}-{h.hexdigest()[:8]}"
