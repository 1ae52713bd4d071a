"""Automatic single-edit variants of a reference solution, from its AST.

Validation asks "do the cases reject a slip nobody foresaw?", diagnosis asks "does the
learner's code behave exactly like the reference with one slip?": both need the same
variants. From the entry point and every helper it reaches in the reference's folder
(the reference module and its `sibling` modules), each variant changes one node:
a numeric constant, an axis, a comparison, a slice or range bound, a dropped term, call
or transpose, swapped operands, arguments, unpacking targets or packed-weight indices,
one local for another of its kind, two adjacent statements, a dtype, a boolean keyword.

Descriptions are made from the edit's kind and the reference's own annotations, never
from its source: a line may carry `# role: the loop over blocks`, and a module may map
helper names to roles in `ROLES = {"attend": "the attention weights"}`. Variants are
trusted code (the instructor's own, edited); they run where the reference runs.
"""

from __future__ import annotations

import ast
import copy
import enum
import hashlib
import inspect
import re
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import torch

ROLE_COMMENT = re.compile(r"#\s*role:\s*(.+?)\s*$")
# `# effect: arguments 3 and 4 of view swapped => the head count and the head size exchanged`:
# the author's words for what one automatic edit of the line does to the data.
EFFECT_COMMENT = re.compile(r"#\s*effect:\s*(.+?)\s*=>\s*(.+?)\s*$")
MAX_LOCAL_SWAPS = 3  # other locals tried in place of one
PACKED_INDICES = range(6)  # (num_blocks, 6, d, d): w_q, w_k, w_v, w_o, w_mlp1, w_mlp2
NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.MatMult, ast.Pow, ast.Mod, ast.FloorDiv)
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq}
COMPARE_WORDS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
TERM_WORDS = {ast.Add: ("a sum", "term"), ast.Sub: ("a difference", "term"), ast.Mult: ("a product", "factor"),
              ast.Div: ("a division", "operand"), ast.MatMult: ("a matrix product", "operand"),
              ast.Pow: ("a power", "operand")}
OP_WORDS = {ast.Sub: "subtraction", ast.Div: "division", ast.MatMult: "matrix product", ast.Pow: "power",
            ast.Mod: "remainder", ast.FloorDiv: "integer division"}
AXIS_KEYWORDS = {"dim", "axis", "dim0", "dim1"}
MOVED_OVER = {ast.MatMult: "matrix product", ast.Mult: "product", ast.Add: "sum"}


class EditKind(str, enum.Enum):
    CONSTANT = "constant"
    AXIS = "axis"
    COMPARISON = "comparison"
    BOUND = "bound"
    DROPPED_TERM = "dropped term"
    RESIDUAL = "residual"
    DROPPED_CALL = "dropped call"
    TRANSPOSE = "dropped transpose"
    SWAPPED_OPERANDS = "swapped operands"
    SWAPPED_ARGUMENTS = "swapped arguments"
    SWAPPED_TARGETS = "swapped unpacking"
    PACKED_INDEX = "packed index"
    LOCAL = "another local"
    STATEMENTS = "swapped statements"
    DTYPE = "dtype"
    FLAG = "flag"
    MOVED_CALL = "moved call"  # f(a) @ b -> f(a @ b): a function applied after the operation that follows it
    SCALE_HOOK = "scale hook"  # a division by a square root routed through a hook that can set the divisor
    HARD_CODED = "hard-coded"  # a size or an argument replaced by the one value the cases give it (coverage)
    ONE_SIDED = "one-sided"  # a condition replaced by the one side the cases reach (coverage)
    RECORD = "record"  # a site's value noted as the reference runs (tracing coverage; never a variant)


@dataclass(frozen=True)
class Edit:
    kind: EditKind
    unit: int  # which solution unit (function or class) it edits
    node: int  # the node's index in ast.walk order of that unit
    detail: tuple  # what the edit does, in data
    phrase: str  # plain words, no source text
    line: int  # line in the unit's file (for the instructor)

    @property
    def key(self) -> str:
        return f"{self.unit}:{self.node}:{self.kind.value}:{self.detail!r}"


@dataclass(frozen=True)
class Variant:
    edits: tuple[Edit, ...]
    description: str  # for learners and instructors: made from edits and roles only
    where: str  # file:line, for the instructor only

    @property
    def key(self) -> str:
        return "+".join(e.key for e in self.edits)


@dataclass
class Unit:
    """A function or class of the solution, with where it lives and what its lines are for."""

    module: types.ModuleType
    name: str
    tree: ast.stmt  # FunctionDef or ClassDef, line numbers as in the file
    file: Path
    roles: dict[int, str]  # line -> role from `# role:` comments
    role: str  # the unit's own role
    effects: dict[int, dict[str, str]] = field(default_factory=dict)  # line -> {edit phrase: author's words}

    @property
    def label(self) -> str:
        return f"{self.file.name}:{self.name}"


# --------------------------------------------------------------------------- the solution's units
def _module_tree(module: types.ModuleType) -> tuple[ast.Module, list[str]]:
    source = Path(module.__file__).read_text(encoding="utf-8")
    return ast.parse(source), source.splitlines()


def _annotations(lines: list[str], node: ast.AST, comment: re.Pattern) -> list[tuple[int, re.Match]]:
    """(the line it is about, its match) of each `comment` in the node: on a line it is about
    that line; alone on a line, about the line below."""
    out = []
    for lineno in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        m = comment.search(lines[lineno - 1])
        if m:
            out.append((lineno + 1 if lines[lineno - 1].strip().startswith("#") else lineno, m))
    return out


def _line_roles(lines: list[str], node: ast.AST) -> dict[int, str]:
    """`# role: ...` names its line (alone: the line below)."""
    return {target: m.group(1) for target, m in _annotations(lines, node, ROLE_COMMENT)}


def _plain(phrase: str) -> str:
    return " ".join(phrase.replace("`", "").lower().split())


def _line_effects(lines: list[str], node: ast.AST) -> dict[int, dict[str, str]]:
    """`# effect: <edit phrase> => <its effect>`, placed like `# role:` (alone: the line below)."""
    effects: dict[int, dict[str, str]] = {}
    for target, m in _annotations(lines, node, EFFECT_COMMENT):
        effects.setdefault(target, {})[_plain(m.group(1))] = m.group(2)
    return effects


def _in_folder(obj, folder: Path) -> bool:
    try:
        return Path(inspect.getfile(obj)).resolve().parent == folder
    except (TypeError, OSError):
        return False


def solution_units(module: types.ModuleType, entry: str) -> list[Unit]:
    """The entry point, then every function or class of the reference's folder it reaches."""
    folder = Path(module.__file__).resolve().parent
    trees: dict[str, tuple[ast.Module, list[str]]] = {}
    units: list[Unit] = []
    seen: set[int] = set()
    pending = [(module, entry)]
    while pending:
        mod, name = pending.pop(0)
        obj = getattr(mod, name, None)
        if obj is None or id(obj) in seen or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        home = sys.modules.get(obj.__module__) or mod
        if not _in_folder(obj, folder) or getattr(home, "__file__", None) is None:
            continue
        seen.add(id(obj))
        if home.__file__ not in trees:
            trees[home.__file__] = _module_tree(home)
        tree, lines = trees[home.__file__]
        node = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == obj.__name__),
                    None)
        if node is None:
            continue
        roles_table = getattr(home, "ROLES", {}) or {}
        role = roles_table.get(node.name) or ("the solution" if not units else "a helper of the solution")
        units.append(Unit(home, node.name, node, Path(home.__file__), _line_roles(lines, node), role,
                          _line_effects(lines, node)))
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                pending.append((home, sub.id))
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                target = getattr(home, sub.value.id, None)
                if isinstance(target, types.ModuleType) and getattr(target, "__file__", None) \
                        and Path(target.__file__).resolve().parent == folder:
                    pending.append((target, sub.attr))
    return units


def reference_hash(module: types.ModuleType, extra: list[Path] = ()) -> str:
    """Every file variants depend on: the reference's folder, the problem's files, this engine."""
    h = hashlib.sha256()
    folder = Path(module.__file__).resolve().parent
    for path in sorted(folder.glob("*.py")) + sorted(Path(p) for p in extra) + [Path(__file__)]:
        if path.exists():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    h.update(torch.__version__.encode())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- enumerating edits
def _num(node) -> float | int | None:
    """The number a node spells (a constant or a negated constant), if any."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) in (int, float):
        return -node.operand.value
    return None


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "a function"


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    out = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[id(child)] = node
    return out


def _locals(fn: ast.AST) -> tuple[list[str], list[list[str]]]:
    """Parameter names, and groups of locals of one kind (unpacked together, or assigned)."""
    params, groups, assigned = [], [], []
    for f in [n for n in ast.walk(fn) if isinstance(n, ast.FunctionDef)]:
        a = f.args
        params += [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg != "self"]
    for node in ast.walk(fn):
        if isinstance(node, (ast.Assign, ast.For, ast.comprehension)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts):
                    groups.append([e.id for e in t.elts])
                elif isinstance(t, ast.Name) and t.id not in assigned:
                    assigned.append(t.id)
    assigned = [n for n in assigned if n not in params and not any(n in g for g in groups)]
    return params, groups + [params, assigned]


def _docstring(node) -> set[int]:
    ids = set()
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.body and isinstance(n.body[0], ast.Expr) \
                and isinstance(n.body[0].value, ast.Constant):
            ids.add(id(n.body[0].value))
    return ids


def _constant_values(value) -> list[tuple[object, str]]:
    if isinstance(value, int):
        out = [(value + 1, "one more"), (value - 1, "one less"), (0, "set to 0"), (2 * value, "doubled"),
               (-value, "negated")]
    else:
        out = [(0.0, "set to 0"), (2 * value, "doubled"), (0.5 * value, "halved"), (-value, "negated"),
               (value + 1, "plus 1"), (value - 1, "minus 1")]
    seen, kept = {value}, []
    for v, words in out:
        if v not in seen:
            seen.add(v)
            kept.append((v, words))
    return kept


def enumerate_edits(units: list[Unit]) -> list[Edit]:
    edits: list[Edit] = []
    for ui, unit in enumerate(units):
        edits += list(_unit_edits(ui, unit))
    return edits


def _unit_edits(ui: int, unit: Unit) -> Iterator[Edit]:
    tree = unit.tree
    parents = _parents(tree)
    docs = _docstring(tree)
    params, groups = _locals(tree)
    nodes = list(ast.walk(tree))

    def edit(kind, i, detail, phrase, node):
        return Edit(kind, ui, i, detail, phrase, getattr(node, "lineno", tree.lineno))

    for i, node in enumerate(nodes):
        parent = parents.get(id(node))
        # numbers and axes (a negated constant is one number; its inner constant is skipped)
        value = _num(node)
        if value is not None and id(node) not in docs and not (
                isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)):
            shape_index = isinstance(parent, ast.Subscript) and parent.slice is node \
                and isinstance(parent.value, ast.Attribute) and parent.value.attr == "shape"
            axis = shape_index or isinstance(parent, ast.keyword) and parent.arg in AXIS_KEYWORDS or (
                isinstance(parent, ast.Call) and isinstance(value, int) and -3 <= value <= 3
                and _call_name(parent) in {"transpose", "softmax", "sum", "mean", "cumsum", "var", "std", "max",
                                           "min", "argmax", "topk", "sort", "squeeze", "unsqueeze", "cat", "flip",
                                           "norm", "log_softmax", "logsumexp", "amax", "gather", "scatter"})
            packed = isinstance(parent, (ast.Subscript, ast.Tuple)) and isinstance(value, int) \
                and value in PACKED_INDICES and _subscript_index(node, parent, parents)
            if axis and isinstance(value, int):
                what = "the size read from axis" if shape_index else "the axis"
                for v in sorted({-1, -2, 0, 1} - {value}):
                    yield edit(EditKind.AXIS, i, ("axis", v), f"{what} {value} changed to {v}", node)
            elif packed:
                for v in PACKED_INDICES:
                    if v != value:
                        yield edit(EditKind.PACKED_INDEX, i, ("index", v),
                                   f"packed weight {value} read as packed weight {v}", node)
            else:
                for v, words in _constant_values(value):
                    yield edit(EditKind.CONSTANT, i, ("value", v), f"a numeric constant {words}", node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool) and isinstance(parent, ast.keyword):
            yield edit(EditKind.FLAG, i, ("flip",), f"the `{parent.arg}` flag flipped", node)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch" \
                and node.attr in ("float64", "float32") and isinstance(node.ctx, ast.Load):
            other = "float32" if node.attr == "float64" else "float64"
            yield edit(EditKind.DTYPE, i, ("dtype", other), f"a {node.attr} computation done in {other}", node)
        elif isinstance(node, ast.Attribute) and node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load):
            yield edit(EditKind.TRANSPOSE, i, ("drop",), "a transpose dropped", node)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE_SWAPS:
            op = type(node.ops[0])
            yield edit(EditKind.COMPARISON, i, ("op",),
                       f"a comparison {COMPARE_WORDS[op]} made {COMPARE_WORDS[COMPARE_SWAPS[op]]}", node)
        if isinstance(node, ast.Slice):
            for side in ("lower", "upper"):
                if getattr(node, side) is not None:
                    for d in (1, -1):
                        yield edit(EditKind.BOUND, i, (side, d),
                                   f"a slice's {'start' if side == 'lower' else 'end'} {'+1' if d > 0 else '-1'}", node)
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name == "range" and isinstance(node.func, ast.Name):
                for d in (1, -1):
                    yield edit(EditKind.BOUND, i, ("range", d),
                               f"a range's end {'+1' if d > 0 else '-1'}: one {'more' if d > 0 else 'fewer'} iteration",
                               node)
            elif isinstance(node.func, ast.Attribute) and not (isinstance(node.func.value, ast.Name)
                                                               and node.func.value.id in ("torch", "math", "F")):
                what = "a transpose dropped" if name in ("transpose", "t", "permute") else f"a `.{name}(...)` call skipped"
                yield edit(EditKind.TRANSPOSE if name in ("transpose", "t", "permute") else EditKind.DROPPED_CALL,
                           i, ("receiver",), what, node)
            elif node.args and name not in ("range", "zip", "enumerate", "len"):
                yield edit(EditKind.DROPPED_CALL, i, ("argument",), f"a call to `{name}` skipped (its argument kept)",
                           node)
            if len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args):
                for j in range(len(node.args) - 1):
                    yield edit(EditKind.SWAPPED_ARGUMENTS, i, ("args", j),
                               f"arguments {j + 1} and {j + 2} of `{name}` swapped", node)
        if isinstance(node, ast.BinOp) and type(node.op) in TERM_WORDS:
            what, term = TERM_WORDS[type(node.op)]
            residual = isinstance(node.op, ast.Add) and isinstance(parent, ast.Assign) and \
                isinstance(node.left, ast.Name) and any(isinstance(t, ast.Name) and t.id == node.left.id
                                                       for t in parent.targets)
            if residual:
                yield edit(EditKind.RESIDUAL, i, ("keep", "right"), "a residual add dropped (only the branch kept)", node)
                yield edit(EditKind.RESIDUAL, i, ("keep", "left"), "a residual branch dropped (x kept as is)", node)
            else:
                yield edit(EditKind.DROPPED_TERM, i, ("keep", "left"), f"the second {term} of {what} dropped", node)
                yield edit(EditKind.DROPPED_TERM, i, ("keep", "right"), f"the first {term} of {what} dropped", node)
        if isinstance(node, ast.BinOp) and type(node.op) in MOVED_OVER and isinstance(node.left, ast.Call) \
                and len(node.left.args) == 1 and not node.left.keywords \
                and not isinstance(node.left.args[0], ast.Starred):
            name = _call_name(node.left)
            if name not in ("range", "len", "float", "int"):
                yield edit(EditKind.MOVED_CALL, i, ("outward",), f"`{name}` applied after the "
                           f"{MOVED_OVER[type(node.op)]} that follows it instead of before it", node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, NON_COMMUTATIVE):
            yield edit(EditKind.SWAPPED_OPERANDS, i, ("swap",), f"the operands of a {OP_WORDS[type(node.op)]} swapped",
                       node)
        if isinstance(node, (ast.Assign, ast.For)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Tuple) and 2 <= len(t.elts) <= 6:
                    for a in range(len(t.elts)):
                        for b in range(a + 1, len(t.elts)):
                            yield edit(EditKind.SWAPPED_TARGETS, i, ("targets", a, b),
                                       f"unpacked values {a + 1} and {b + 1} swapped", node)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            group = next((g for g in groups if node.id in g), None)
            if group:
                others = [n for n in group if n != node.id]
                pos = group.index(node.id)
                others.sort(key=lambda n: abs(group.index(n) - pos))
                for other in others[:MAX_LOCAL_SWAPS]:
                    public = node.id in params and other in params
                    phrase = (f"`{other}` used in place of `{node.id}`" if public
                              else "one local value used in place of another of its kind")
                    yield edit(EditKind.LOCAL, i, ("name", other), phrase, node)
        for field_name in ("body", "orelse"):
            body = getattr(node, field_name, None)
            if isinstance(body, list) and len(body) >= 2 and all(isinstance(s, ast.stmt) for s in body):
                for j in range(len(body) - 1):
                    if isinstance(body[j], (ast.Expr,)) and isinstance(getattr(body[j], "value", None), ast.Constant):
                        continue  # a docstring
                    yield edit(EditKind.STATEMENTS, i, (field_name, j), "two adjacent statements swapped", node)
    for i, node in enumerate(nodes):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = [a.arg for a in node.args.args if a.arg != "self"]
            if first and any(isinstance(n, ast.Return) for n in ast.walk(node)):
                yield edit(EditKind.DTYPE, i, ("float32 return",),
                           "the result computed through float32 (a float32 computation in a float64 case)", node)


def _subscript_index(node, parent, parents) -> bool:
    """A constant that indexes a tensor (alone, or in a tuple of indices)."""
    if isinstance(parent, ast.Subscript):
        return parent.slice is node
    grand = parents.get(id(parent))
    return isinstance(grand, ast.Subscript) and grand.slice is parent


# --------------------------------------------------------------------------- applying edits
def _f32_roundtrip(value):
    if isinstance(value, torch.Tensor) and value.dtype == torch.float64:
        return value.to(torch.float32).to(torch.float64)
    if isinstance(value, tuple):
        return tuple(_f32_roundtrip(v) for v in value)
    return value


def _number_node(v) -> ast.expr:
    return ast.UnaryOp(ast.USub(), ast.Constant(-v)) if v < 0 else ast.Constant(v)


def _apply(tree: ast.AST, edit: Edit) -> None:
    """Edit `tree` (a deep copy of the unit) in place."""
    nodes = list(ast.walk(tree))
    node = nodes[edit.node]
    parents = _parents(tree)
    parent = parents.get(id(node))
    kind, detail = edit.kind, edit.detail

    def replace(old, new):
        for field_name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field_name, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return
        raise ValueError("node not found in its parent")

    if kind in (EditKind.CONSTANT, EditKind.AXIS, EditKind.PACKED_INDEX):
        replace(node, _number_node(detail[1]))
    elif kind is EditKind.FLAG:
        node.value = not node.value
    elif kind is EditKind.DTYPE and detail[0] == "dtype":
        node.attr = detail[1]
    elif kind is EditKind.DTYPE:
        for ret in [n for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]:
            ret.value = ast.Call(ast.Name("__variant_f32", ast.Load()), [ret.value], [])
    elif kind is EditKind.TRANSPOSE and detail == ("drop",):
        replace(node, node.value)
    elif kind is EditKind.COMPARISON:
        node.ops = [COMPARE_SWAPS[type(node.ops[0])]()]
    elif kind is EditKind.BOUND and detail[0] == "range":
        end = len(node.args) - 1 if len(node.args) > 1 else 0
        node.args[end] = ast.BinOp(node.args[end], ast.Add(), ast.Constant(detail[1]))
    elif kind is EditKind.BOUND:
        setattr(node, detail[0], ast.BinOp(getattr(node, detail[0]), ast.Add(), ast.Constant(detail[1])))
    elif kind in (EditKind.DROPPED_CALL, EditKind.TRANSPOSE):
        replace(node, node.func.value if detail == ("receiver",) else node.args[0])
    elif kind is EditKind.SWAPPED_ARGUMENTS:
        j = detail[1]
        node.args[j], node.args[j + 1] = node.args[j + 1], node.args[j]
    elif kind in (EditKind.DROPPED_TERM, EditKind.RESIDUAL):
        replace(node, node.left if detail[1] == "left" else node.right)
    elif kind is EditKind.SWAPPED_OPERANDS:
        node.left, node.right = node.right, node.left
    elif kind is EditKind.SWAPPED_TARGETS:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        t = next(t for t in targets if isinstance(t, ast.Tuple))
        a, b = detail[1], detail[2]
        t.elts[a], t.elts[b] = t.elts[b], t.elts[a]
    elif kind is EditKind.LOCAL:
        node.id = detail[1]
    elif kind is EditKind.MOVED_CALL:
        call = node.left
        replace(node, ast.Call(call.func, [ast.BinOp(call.args[0], node.op, node.right)], []))
    elif kind is EditKind.SCALE_HOOK:
        node.right = ast.Call(ast.Name(SCALE_HOOK, ast.Load()), [node.right], [])
    elif kind in (EditKind.HARD_CODED, EditKind.ONE_SIDED, EditKind.RECORD):
        from .coverage_sites import apply_coverage_edit

        apply_coverage_edit(node, edit, replace)
    elif kind is EditKind.STATEMENTS:
        body = getattr(node, detail[0])
        j = detail[1]
        body[j], body[j + 1] = body[j + 1], body[j]
    else:
        raise ValueError(f"unknown edit {kind}")


class _Linker(ast.NodeTransformer):
    """Calls between solution units go to the edited copies: `M.gelu` and `gelu` become the
    copy's private name."""

    def __init__(self, unit: Unit, names: dict[tuple[int, str], str]):
        self.unit, self.names = unit, names

    def visit_Name(self, node):
        alias = self.names.get((id(self.unit.module), node.id))
        if alias is not None and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Name(alias, ast.Load()), node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
            target = getattr(self.unit.module, node.value.id, None)
            if isinstance(target, types.ModuleType):
                alias = self.names.get((id(target), node.attr))
                if alias is not None:
                    return ast.copy_location(ast.Name(alias, ast.Load()), node)
        return node


_BASE_CODE: dict[int, tuple[list, list]] = {}  # id(units) -> (units, linked code per unit)


def _linked_code(units: list[Unit], k: int, edits: tuple[Edit, ...]):
    names = {(id(u.module), u.name): f"__variant_unit_{j}" for j, u in enumerate(units)}
    unit = units[k]
    tree = copy.deepcopy(unit.tree)
    # Later nodes first: an edit that replaces a subtree renumbers only the nodes after it in ast.walk's order,
    # so several edits of one unit (a pair, a uniform edit) each still find their own node.
    for e in sorted((e for e in edits if e.unit == k), key=lambda e: -e.node):
        _apply(tree, e)
    tree = _Linker(unit, names).visit(tree)
    module = ast.Module(body=[tree], type_ignores=[])
    ast.fix_missing_locations(module)
    return compile(module, f"<variant of {unit.file.name}>", "exec")


def build(units: list[Unit], edits: tuple[Edit, ...]) -> Callable:
    """The entry point (unit 0) with `edits` applied, every unit re-executed in fresh
    namespaces and linked; units without an edit reuse their compiled code."""
    cached = _BASE_CODE.get(id(units))
    if cached is None or cached[0] is not units:
        cached = _BASE_CODE[id(units)] = (units, [_linked_code(units, k, ()) for k in range(len(units))])
    base = cached[1]
    edited = {e.unit for e in edits}
    spaces: dict[int, dict] = {}
    objects = {}
    for k, unit in enumerate(units):
        code = _linked_code(units, k, edits) if k in edited else base[k]
        space = spaces.setdefault(id(unit.module), dict(vars(unit.module)))
        exec(code, space)  # trusted: the reference, edited
        objects[f"__variant_unit_{k}"] = space[unit.name]
    for space in spaces.values():
        space.update(objects)
        space["__variant_f32"] = _f32_roundtrip
        space[SCALE_HOOK] = scale_divisor
        space[RECORD_HOOK] = record_value
    return objects["__variant_unit_0"]


# --------------------------------------------------------------------------- variants
def describe(units: list[Unit], edits: tuple[Edit, ...]) -> str:
    parts = []
    for e in edits:
        unit = units[e.unit]
        role = unit.roles.get(e.line) or unit.role
        phrase = unit.effects.get(e.line, {}).get(_plain(e.phrase), e.phrase)
        parts.append(f"{phrase} in {role}")
    return "; and ".join(parts)


# Edits made for diagnosis only: validation's mutation scores (problem.toml's [variants] min_score) were
# measured on the other kinds, so `single_variants` leaves these out unless asked.
DIAGNOSIS_ONLY = (EditKind.MOVED_CALL,)


def single_variants(units: list[Unit], *, diagnosis: bool = False) -> list[Variant]:
    """Every single edit; `diagnosis`: with the kinds made for naming a learner's slip (DIAGNOSIS_ONLY)."""
    out, seen = [], set()
    for e in enumerate_edits(units):
        if e.kind in DIAGNOSIS_ONLY and not diagnosis:
            continue
        if e.key in seen:
            continue
        seen.add(e.key)
        unit = units[e.unit]
        out.append(Variant((e,), describe(units, (e,)), f"{unit.file.name}:{e.line}"))
    return out


# --------------------------------------------------------------------------- noting values (coverage)
RECORD_HOOK = "__variant_record"
RECORDED: dict[str, list] = {}  # site key -> the values seen there, in this process (trusted code, one thread)


def record_value(key: str, value):
    """Note what a site computed (grader/evidence/coverage_sites.py reads it) and pass it through."""
    from .coverage_sites import summary

    seen = RECORDED.setdefault(key, [])
    noted = summary(value)
    if noted not in seen and len(seen) < 4:
        seen.append(noted)
    return value


# --------------------------------------------------------------------------- a fitted divisor
SCALE_HOOK = "__variant_scale"


class ScaleSetting:
    """What the scale hook does in this process: pass the right divisor through and record it
    (`divisor` None), or replace every divisor it sees by `divisor`. Trusted code, one thread."""

    divisor: float | None = None
    seen: list = []


def scale_divisor(right):
    ScaleSetting.seen.append(float(right) if not isinstance(right, torch.Tensor) or right.numel() == 1 else None)
    return right if ScaleSetting.divisor is None else ScaleSetting.divisor


def _is_square_root(node) -> bool:
    if isinstance(node, ast.Call) and _call_name(node) in ("sqrt", "rsqrt") and node.args:
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _num(node.right) == 0.5


def scale_sites(units: list[Unit]) -> list[Edit]:
    """Every division by a square root (an attention scale, sqrt(d_head)) in the solution's units, as an
    edit that routes its divisor through the scale hook, so a fit can find the divisor a learner's code
    behaves as if it used."""
    out = []
    for ui, unit in enumerate(units):
        for i, node in enumerate(ast.walk(unit.tree)):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_square_root(node.right):
                out.append(Edit(EditKind.SCALE_HOOK, ui, i, ("hook",), "the division by a square root",
                                getattr(node, "lineno", unit.tree.lineno)))
    return out


UNIFORM_KINDS = (EditKind.AXIS,)  # edits that a learner makes at every place of a helper at once (a pasted
#                                  layer norm reducing over dim=1 in both its mean and its variance)


def uniform_variants(units: list[Unit], singles: list[Variant]) -> list[Variant]:
    """The same single edit at EVERY place of one unit where it applies (every axis -1 of a layer norm
    changed to 1): one slip of a learner written several times, which no single edit reproduces."""
    groups: dict[tuple, list[Edit]] = {}
    for v in singles:
        e = v.edits[0]
        if e.kind in UNIFORM_KINDS:
            groups.setdefault((e.unit, e.kind, e.phrase), []).append(e)
    out = []
    for (ui, _, phrase), edits in groups.items():
        nodes = {e.node for e in edits}
        if len(nodes) < 2 or len(nodes) != len(edits):
            continue
        unit = units[ui]
        edits = tuple(sorted(edits, key=lambda e: e.node))
        out.append(Variant(edits, f"{phrase} at every one of its {len(edits)} places in {unit.role}",
                           ", ".join(f"{unit.file.name}:{e.line}" for e in edits)))
    return out


def pair_variants(units: list[Unit], singles: list[Variant], limit: int = 200) -> list[Variant]:
    """Pairs of edits in different places, a bounded and evenly spread sample (deterministic)."""
    pairs = []
    for a in range(len(singles)):
        for b in range(a + 1, len(singles)):
            ea, eb = singles[a].edits[0], singles[b].edits[0]
            if (ea.unit, ea.node) != (eb.unit, eb.node):
                pairs.append((a, b))
    step = max(1, len(pairs) // limit) if limit else 1
    chosen = pairs[::step][:limit]
    return [Variant(singles[a].edits + singles[b].edits, describe(units, singles[a].edits + singles[b].edits),
                    f"{singles[a].where}, {singles[b].where}") for a, b in chosen]


def variant_function(units: list[Unit], variant: Variant) -> Callable | None:
    """The variant's entry point, or None when the edit does not compile."""
    try:
        return build(units, variant.edits)
    except (SyntaxError, ValueError, TypeError, IndexError):
        return None


def source_lines(units: list[Unit]) -> set[str]:
    """Every non-trivial line of the solution's source (for tests that descriptions never quote it)."""
    out = set()
    for u in units:
        for line in textwrap.dedent(ast.unparse(u.tree)).splitlines():
            line = line.strip()
            if len(line) > 8:
                out.add(line)
    return out
