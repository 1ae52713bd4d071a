"""Formulas in hints and the statement, evaluated against what the reference computes.

A hint's `2 ** (-8 * torch.arange(H) / H)` is code: evaluated with the names bound to
the reference's own locals on a case (grader/instructor/reference_trace.py), it gives a
value that can be compared with every intermediate the reference computed, and with the
intermediates of each known mistake run on the same case.

The rule (what is a defect, and how sure): a formula whose value equals a local of a known
mistake's run (`slopes` of "slopes counted from head 0"), where the reference's local of
the same name and shape holds something else, and which equals nothing the reference
computed on any traced case (its named locals and every unnamed intermediate of its files),
teaches that mistake: an error. A formula assigned to a name (`ms = (x * x).sum(-1)`) also
counts when the reference's `ms` differs and the mistake computes the formula's value
anywhere, named or not. Only a tensor of two or more
elements is judged (a coincidence there is implausible); a single number is not: a name
such as `d` may mean another quantity in the hint than in the reference, and a loop's
variables are traced at their last value (a formula using a name the frame bound twice is not
evaluated there). A formula that matches neither is not reported:
the reference's locals are not all of its intermediates, so "matches nothing" proves
nothing.
"""

from __future__ import annotations

import ast
import math
from contextlib import nullcontext
from dataclasses import dataclass

import torch

from ..course.cases import Case
from ..course.loader import Problem
from ..verdict.inprocess import load_probe
from .reference_trace import Trace, recording, trace_run
from .statement_text import Snippet, Where

TRACED_CASES = 2


@dataclass(frozen=True)
class FormulaFinding:
    snippet: Snippet
    formula: str
    mistake: str
    name: str  # the local both compute
    case: str
    formula_value: str
    reference_value: str


def _expressions(snippet: Snippet) -> list[tuple[str, str]]:
    """(expression, the name it is assigned to or "") of a snippet: itself, or each line."""
    texts = [snippet.text] if snippet.where is Where.INLINE else [snippet.text] + snippet.text.split("\n")
    out = []
    for text in texts:
        text = text.split("#", 1)[0].strip().rstrip(",;")
        if not text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        if len(tree.body) != 1:
            continue
        node = tree.body[0]
        target = ""
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0].id if isinstance(node.targets[0], ast.Name) else ""
            node = node.value
        elif isinstance(node, ast.Expr):
            node = node.value
        else:
            continue
        if not any(isinstance(n, (ast.Call, ast.BinOp, ast.Subscript)) for n in ast.walk(node)):
            continue  # a bare name or constant says nothing
        try:
            expression = ast.unparse(node)
            compile(expression, "<formula>", "eval")
        except (SyntaxError, ValueError):
            continue
        out.append((expression, target))
    return list(dict.fromkeys(out))


def _as_tensor(value) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor) and not value.is_complex():
        return value.detach().to(torch.float64)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    return None


def _numel(value) -> int:
    return value.numel() if isinstance(value, torch.Tensor) else 1


def same(a, b) -> bool:
    if _numel(a) != _numel(b):
        return False
    x, y = _as_tensor(a), _as_tensor(b)
    if x is None or y is None:
        return False
    if x.shape != y.shape:
        x, y = x.squeeze(), y.squeeze()
        if x.shape != y.shape:
            return False
    return bool(torch.allclose(x, y, rtol=1e-4, atol=1e-6, equal_nan=True))


def _names(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _evaluate(expression: str, trace: Trace, defined: dict[str, str] | None = None):
    """The expression's value in the first frame of the trace where all its names are bound.
    `defined`: names the same hint or line of text defines (`u * torch.sigmoid(u)` "with
    `u = x @ w_up`"), evaluated in that frame first: the text's own meaning of the name."""
    code = compile(expression, "<formula>", "eval")
    names = _names(expression)
    defined = {k: v for k, v in (defined or {}).items() if k in names}
    base = {"torch": torch, "math": math, "F": torch.nn.functional}
    for frame in reversed(trace.frames):  # the entry point returns last
        scope = {**base, **frame.values}
        bound = [n for n, _ in frame.history]
        # a loop's variable or a rebound name: its last value is not the one the text means
        rebound = lambda needed: any(bound.count(n) > 1 for n in needed)  # noqa: E731
        own = {}
        for name, definition in defined.items():
            needs = _names(definition)
            if needs <= scope.keys() and not rebound(needs):
                value = _eval_on_copies(definition, scope)
                if value is not None:
                    own[name] = value
        scope.update(own)
        if not names <= scope.keys() or rebound(names - own.keys()):
            continue
        value = _eval_on_copies(code, scope)
        if _as_tensor(value) is not None:
            return value
    return None


def _eval_on_copies(code, scope: dict):
    """The author's own text (trusted like the reference) evaluated on copies of the frame's
    tensors, so an in-place operation in it cannot change what later formulas read; None if it
    raises."""
    try:
        return eval(code, {k: (v.clone() if isinstance(v, torch.Tensor) else v) for k, v in scope.items()})
    except Exception:
        return None


def _short(value) -> str:
    t = _as_tensor(value)
    flat = t.flatten().tolist()
    shown = ", ".join(f"{v:.4g}" for v in flat[:6])
    return shown if t.dim() == 0 else f"[{shown}{', ...' if len(flat) > 6 else ''}]"


def _differs(reference: Trace, name: str, value) -> bool:
    """The reference binds `name` to values of `value`'s shape, none of them equal to it."""
    ours, shape = reference.named(name), _as_tensor(value).shape
    return bool(ours) and all(_as_tensor(o) is not None and _as_tensor(o).shape == shape and not same(o, value)
                              for o in ours)


def _mistake_match(value, target: str, reference: Trace, mistake: Trace, inside: list) -> str | None:
    """The name under which `value` is what the mistake computes and not what the reference
    computes: a mistake's local equal to it whose reference namesake differs, or the name the
    formula assigns (`ms = ...`) when the reference's `ms` differs and the mistake computes it."""
    for _, name, theirs in mistake.every_value():
        if name != "output" and same(value, theirs) and _differs(reference, name, theirs):
            return name
    if target and _differs(reference, target, value) and \
            any(same(value, v) for v in inside + [v for _, _, v in mistake.every_value()]):
        return target
    if not target and any(same(value, v) for v in inside):
        return ""  # an unnamed step of the mistake (`u * torch.sigmoid(u)` inside its return expression)
    return None


def check_formulas(problem: Problem, snippets: list[Snippet], cases: list[Case]) -> list[FormulaFinding]:
    ref = problem.reference
    entry = getattr(ref, problem.entry)
    mistakes = [m for m in (getattr(ref, "MISTAKES", None) or []) if callable(getattr(m, "fn", None))]
    expressions = [(s, e, t) for s in snippets for e, t in _expressions(s)]
    if not mistakes or not expressions:
        return []
    # What a hint (or one line of text) defines by assignment, for its other formulas.
    group = lambda s: (s.file, s.label) if s.label else (s.file, s.line)  # noqa: E731
    definitions: dict[tuple, dict[str, str]] = {}
    for snippet, expression, target in expressions:
        if target:
            definitions.setdefault(group(snippet), {}).setdefault(target, expression)
    probe, folders = load_probe(problem), [problem.reference_path.parent]
    agrees: set[int] = set()  # expressions that equal something the reference computes
    hits: dict[int, FormulaFinding] = {}
    for case in cases[:TRACED_CASES]:
        try:
            reference = trace_run(problem, probe, entry, case, folders)
        except Exception:
            continue
        open_ = {}  # expression index -> its value, equal to no named value of the reference
        for i, (_, expression, _) in enumerate(expressions):
            if i in agrees:
                continue
            snippet, target = expressions[i][0], expressions[i][2]
            defined = {k: v for k, v in definitions.get(group(snippet), {}).items() if k != target}
            value = _evaluate(expression, reference, defined)
            if value is None or _as_tensor(value).numel() < 2:
                continue
            if any(same(value, v) for _, _, v in reference.every_value()):
                agrees.add(i)
            else:
                open_[i] = value
        if not open_:
            break  # every formula agrees with the reference or cannot be read: no case will change that
        found = _mistake_hits(problem, probe, folders, mistakes, case, reference, expressions, open_)
        if not found:
            continue
        inside: list = []  # every intermediate of the reference's files, named or not
        try:
            with recording(problem, inside):
                trace_run(problem, probe, entry, case, [])
        except Exception:
            inside = []
        for i, finding in found.items():
            if any(same(open_[i], v) for v in inside):
                agrees.add(i)
            else:
                hits.setdefault(i, finding)
    return [f for i, f in sorted(hits.items()) if i not in agrees]


def _mistake_hits(problem, probe, folders, mistakes, case, reference, expressions, open_) -> dict[int, FormulaFinding]:
    """{expression index: finding} for the open expressions that reproduce a known mistake's local."""
    found: dict[int, FormulaFinding] = {}
    named = True  # a formula is compared with the mistake's unnamed steps too (it must still match none of the reference's)
    for mistake in mistakes:
        inside: list = []
        try:
            with recording(problem, inside) if named else nullcontext():
                trace = trace_run(problem, probe, mistake.fn, case, folders)
        except Exception:
            continue
        for i, value in open_.items():
            if i in found:
                continue
            name = _mistake_match(value, expressions[i][2], reference, trace, inside)
            if name is not None:
                snippet, expression, _ = expressions[i]
                found[i] = FormulaFinding(snippet, expression, mistake.name, name, case.name, _short(value),
                                          _short(reference.named(name)[-1]) if name else "")
    return found
