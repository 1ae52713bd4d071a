"""Case coverage as mutation: the places of a reference where the cases might never vary
what it reads, or never reach one side of what it chooses.

A size read from an input's shape (`x.shape[1]`, `x.size(1)`, `N, T, d = x.shape`, `x.ndim`),
an argument of the entry point (an int, float, bool, str or None), a `torch.where` or
`masked_fill` condition, an `if` test and a conditional expression: each is a site. The
reference runs once on every case with each site noted (a RECORD edit routes its value
through grader/evidence/variants.py's recording hook). A site that takes ONE value over
every case of the first seed (the seed variants are judged at) gives a variant that replaces it by that value (HARD_CODED: "the
size of axis 1 of `scores` hard-coded to 8"); a condition that is never true (or never
false) anywhere gives one that takes the side the cases reach (ONE_SIDED). Such a variant
computes exactly what the reference computes on every case, so it survives by
construction and needs no run: a solution that hard-codes the value, or ignores the other
side, passes every case. Sites whose value varies give no variant (pinning them would
change what a case computes; not run, so not counted).

These variants are for the author only (validation's mutation score), never for diagnosis:
"your code behaves exactly like the reference with the size hard-coded" is true of the
right answer too on those cases.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

import torch

from .variants import RECORD_HOOK, Edit, EditKind, Unit, Variant, _call_name, _number_node, _parents

SCALARS = (bool, int, float, str, type(None))
OTHER = ("other",)
CLAMPS = ("clamp", "clamp_min", "clamp_max", "clip")  # a value a site's variant cannot spell as a constant (a tensor argument)


@dataclass(frozen=True)
class Site:
    unit: int
    node: int  # index in ast.walk order of the unit (as Edit.node)
    kind: str  # "size", "sizes", "rank", "argument", "where", "fill", "clamp", "if"
    what: str  # plain words: "the size of axis 1 of `scores`"
    line: int
    part: int | str | None = None  # the element of an unpacked shape, or the argument's name

    @property
    def key(self) -> str:
        """What its noted values are filed under: an unpacked shape is noted once for all its sizes."""
        return f"{self.unit}:{self.node}:{self.kind}:{self.part if self.kind == 'argument' else None}"


# --------------------------------------------------------------------------- finding sites
def _shape_of(node) -> ast.expr | None:
    """The tensor whose `.shape` / `.size()` the node is (None: not one)."""
    if isinstance(node, ast.Attribute) and node.attr == "shape":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "size" \
            and not node.args and not node.keywords:
        return node.func.value
    return None


def _int(node) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _tiny_bound(call: ast.Call) -> bool:
    """A clamp to a tiny literal (`clamp(min=1e-12)` before a log): a guard against rounding, which
    cases of ordinary values never reach by design."""
    from .variants import _num

    bounds = [_num(a) for a in call.args] + [_num(k.value) for k in call.keywords]
    return any(b is not None and 0 < abs(b) <= 1e-6 for b in bounds)


def _tensor_words(node, params: set[str]) -> str:
    return f"`{node.id}`" if isinstance(node, ast.Name) and node.id in params else "a tensor"


def _params(unit: Unit) -> list[str]:
    tree = unit.tree
    if not isinstance(tree, ast.FunctionDef):
        return []
    a = tree.args
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg != "self"]


def coverage_sites(units: list[Unit]) -> list[Site]:
    """Every site of every unit; the entry point's (unit 0's) arguments too."""
    sites: list[Site] = []
    home = units[0].file if units else None
    for ui, unit in enumerate(units):
        params = set(_params(unit)) if ui == 0 else set()
        shared = unit.file != home  # a sibling module's helper: its branches serve other problems too
        nodes = list(ast.walk(unit.tree))
        parents = _parents(unit.tree)
        for i, node in enumerate(nodes):
            line = getattr(node, "lineno", unit.tree.lineno)
            parent = parents.get(id(node))
            if isinstance(node, ast.Subscript) and _shape_of(node.value) is not None and _int(node.slice) is not None:
                sites.append(Site(ui, i, "size", f"the size of axis {_int(node.slice)} of "
                                  f"{_tensor_words(_shape_of(node.value), params)}", line))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "size" \
                    and len(node.args) == 1 and _int(node.args[0]) is not None and not node.keywords:
                sites.append(Site(ui, i, "size", f"the size of axis {_int(node.args[0])} of "
                                  f"{_tensor_words(node.func.value, params)}", line))
            elif isinstance(node, ast.Attribute) and node.attr == "ndim" and isinstance(node.ctx, ast.Load) \
                    or isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "dim" and not node.args and not node.keywords:
                tensor = node.value if isinstance(node, ast.Attribute) else node.func.value
                sites.append(Site(ui, i, "rank", f"the number of dimensions of {_tensor_words(tensor, params)}", line))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                    and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
                tensor = _shape_of(node.value)
                if tensor is None and isinstance(node.value, ast.Subscript):
                    tensor = _shape_of(node.value.value) if isinstance(node.value.slice, ast.Slice) else None
                if tensor is not None:
                    sliced = isinstance(node.value, ast.Subscript)
                    for j in range(len(node.targets[0].elts)):
                        what = (f"size {j + 1} of a slice of the shape of {_tensor_words(tensor, params)}" if sliced
                                else f"the size of axis {j} of {_tensor_words(tensor, params)}")
                        sites.append(Site(ui, i, "sizes", what, line, j))
            elif shared:
                continue  # a branch a caller fixes by a literal (`causal=False`) is no gap of these cases
            elif isinstance(node, ast.Call) and _call_name(node) == "where" and len(node.args) == 3 \
                    and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "torch":
                sites.append(Site(ui, i, "where", "a `torch.where` choice", line))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("masked_fill", "masked_fill_") and len(node.args) == 2:
                sites.append(Site(ui, i, "fill", "a `masked_fill`", line))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLAMPS \
                    and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("torch", "math", "F")) \
                    and not _tiny_bound(node):
                sites.append(Site(ui, i, "clamp", "a clamp", line))
            elif isinstance(node, (ast.If, ast.IfExp)) and not isinstance(parent, ast.comprehension):
                sites.append(Site(ui, i, "if", "an `if` test" if isinstance(node, ast.If) else
                                  "a conditional expression's test", line))
        if ui == 0:
            for name in _params(unit):
                sites.append(Site(ui, 0, "argument", f"the argument `{name}`", unit.tree.lineno, name))
    return sites


# --------------------------------------------------------------------------- noting and pinning
def summary(value):
    """What a site's value says, in plain comparable data: a number, a shape, or, for a
    condition, whether it was ever true and ever false."""
    if isinstance(value, tuple) and len(value) == 3 and value[0] == CLAMPS[0]:  # a clamp: its input, its output
        before, after = value[1], value[2]
        if isinstance(before, torch.Tensor) and isinstance(after, torch.Tensor) and before.shape == after.shape:
            changed = before != after
            return ("mask", bool(changed.any()), bool((~changed).any()))
        return OTHER
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.bool and value.numel():
            return ("mask", bool(value.any()), bool((~value).any()))
        if value.numel() and not value.is_complex() and bool((value == value.flatten()[0]).all()):
            return ("filled", value.flatten()[0].item())  # every element the same (a mask of ones, zeros)
        return OTHER
    if isinstance(value, torch.Size) or isinstance(value, tuple) and all(type(v) is int for v in value):
        return ("shape", tuple(value))
    if type(value) in SCALARS:
        return ("value", type(value).__name__, value)
    return OTHER


def recording_edits(sites: list[Site]) -> tuple[Edit, ...]:
    """One edit per site's node (an unpacked shape is noted whole), routing its value through the hook."""
    out, seen = [], set()
    for s in sites:
        if s.key in seen:
            continue
        seen.add(s.key)
        out.append(Edit(EditKind.RECORD, s.unit, s.node, ("record", s.kind, s.key, s.part), "", s.line))
    return tuple(out)


def _noting(key: str, value: ast.expr) -> ast.expr:
    return ast.Call(ast.Name(RECORD_HOOK, ast.Load()), [ast.Constant(key), value], [])


def _constant(value) -> ast.expr:
    return _number_node(value) if type(value) in (int, float) else ast.Constant(value)


def apply_coverage_edit(node: ast.AST, edit: Edit, replace) -> None:
    """grader/evidence/variants.py's `_apply` for the coverage kinds."""
    kind, detail = edit.kind, edit.detail
    if kind is EditKind.RECORD:
        what, key = detail[1], detail[2]
        if what in ("size", "rank"):
            replace(node, _noting(key, node))
        elif what == "sizes":
            node.value = _noting(key, node.value)
        elif what in ("where", "fill"):
            node.args[0] = _noting(key, node.args[0])
        elif what == "if":
            node.test = _noting(key, node.test)
        elif what == "clamp":  # (lambda r: note(key, ("clamp", r, r.clamp(...)))[2])(receiver)
            arg = "__variant_clamped"
            call = copy.copy(node)
            call.func = ast.Attribute(ast.Name(arg, ast.Load()), node.func.attr, ast.Load())
            noted = _noting(key, ast.Tuple([ast.Constant(CLAMPS[0]), ast.Name(arg, ast.Load()), call], ast.Load()))
            fn = ast.Lambda(ast.arguments([], [ast.arg(arg)], None, [], [], None, []),
                            ast.Subscript(noted, ast.Constant(2), ast.Load()))
            replace(node, ast.Call(fn, [node.func.value], []))
        elif what == "argument":
            node.body.insert(0, ast.Expr(_noting(key, ast.Name(detail[3], ast.Load()))))
        return
    if kind is EditKind.HARD_CODED:
        what = detail[0]
        if what in ("size", "rank"):
            replace(node, _constant(detail[1]))
        elif what == "sizes":
            j, value, n = detail[1], detail[2], detail[3]
            shape = node.value
            node.value = ast.Tuple([_constant(value) if k == j else ast.Subscript(copy.deepcopy(shape), ast.Constant(k),
                                                                                   ast.Load()) for k in range(n)],
                                   ast.Load())
        elif what == "argument":
            node.body.insert(0, ast.Assign([ast.Name(detail[1], ast.Store())], _constant(detail[2])))
        elif what == "filled":  # a tensor argument replaced by one of its shape and dtype, every element the value
            name = ast.Name(detail[1], ast.Load())
            full = ast.Call(ast.Attribute(name, "new_full", ast.Load()),
                            [ast.Attribute(ast.Name(detail[1], ast.Load()), "shape", ast.Load()), _constant(detail[2])], [])
            node.body.insert(0, ast.Assign([ast.Name(detail[1], ast.Store())], full))
        return
    # ONE_SIDED: ("where" | "fill" | "if", always-true?)
    what, always = detail[0], detail[1]
    if what == "where":
        replace(node, node.args[1] if always else node.args[2])
    elif what in ("fill", "clamp"):
        replace(node, node.func.value)  # never true: nothing filled, nothing clamped
    elif what == "if":
        node.test = ast.Constant(bool(always))


def never_varied(units: list[Unit], sites: list[Site], recorded: dict[str, list]) -> list[Variant]:
    """The variants of the sites that took one value (or one side) over every run."""
    out = []
    for s in sites:
        seen = recorded.get(s.key)
        if not seen or OTHER in seen:
            continue  # never reached, or not a value a constant spells
        variant = _variant(units, s, seen)
        if variant is not None:
            out.append(variant)
    return out


def _where(units: list[Unit], s: Site) -> str:
    return f"{units[s.unit].file.name}:{s.line}"


def _role(units: list[Unit], s: Site) -> str:
    unit = units[s.unit]
    return unit.roles.get(s.line) or unit.role


def _variant(units: list[Unit], s: Site, seen: list) -> Variant | None:
    if s.kind in ("where", "fill", "if", "clamp"):
        true = any(v[0] == "mask" and v[1] or v[0] == "value" and bool(v[2]) for v in seen)
        false = any(v[0] == "mask" and v[2] or v[0] == "value" and not bool(v[2]) for v in seen)
        if true and false or not (true or false):
            return None
        if s.kind == "clamp":
            if true:
                return None  # the clamp binds somewhere; that it never spares a value is the cases' business
            phrase = f"{s.what} that never changes a value, dropped: no case reaches its bound"
            detail = ("clamp", False)
        elif s.kind == "fill":
            if true:
                return None  # always filled everywhere: said by the fill's value, not a branch
            phrase = f"{s.what} that never fills anything, dropped: no case has a position it fills"
            detail = ("fill", False)
        elif s.kind == "where":
            side = "first" if true else "second"
            phrase = f"{s.what} replaced by its {side} value: its condition is {'true' if true else 'false'} " \
                     f"everywhere in every case, so no case reaches the other value"
            detail = ("where", true)
        else:
            phrase = f"{s.what} made always {'true' if true else 'false'}: no case takes the other branch"
            detail = ("if", true)
        edit = Edit(EditKind.ONE_SIDED, s.unit, s.node, detail, phrase, s.line)
    else:
        if len(seen) != 1:
            return None
        tag = seen[0]
        if s.kind == "argument" and tag[0] == "mask" and tag[1] != tag[2]:
            tag = ("filled", tag[1])  # a boolean tensor, all true (or all false) in every case
        if s.kind == "sizes":
            if tag[0] != "shape" or any(len(v[1]) != len(tag[1]) for v in seen):
                return None
            value = tag[1][s.part]
            detail = ("sizes", s.part, value, len(tag[1]))
        elif s.kind in ("size", "rank"):
            if tag[0] != "value" or type(tag[2]) is not int:
                return None
            value = tag[2]
            detail = (s.kind, value)
        elif tag[0] == "filled":  # a tensor argument
            value = tag[1]
            detail = ("filled", s.part, value)
            phrase = f"{s.what} replaced by a tensor of {value!r} everywhere: in every case each of its elements " \
                     f"is {value!r}, so a solution that ignores it passes"
        else:  # an argument
            if tag[0] != "value":
                return None
            value = tag[2]
            detail = ("argument", s.part, value)
        noun = "passes" if s.kind == "argument" else "has"
        if tag[0] != "filled":
            phrase = f"{s.what} hard-coded to {value!r}: no case {noun} another value"
        edit = Edit(EditKind.HARD_CODED, s.unit, s.node, detail, phrase, s.line)
    return Variant((edit,), f"{edit.phrase} (in {_role(units, s)})", _where(units, s))
