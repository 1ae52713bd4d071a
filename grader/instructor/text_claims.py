"""Claims the statement, the stub and the case names make, checked against what the cases
and the reference's signature are: a text that answers for itself.

- Shapes: "`x`: `(N, T, d)`", "`logits` has shape `(..., V)`", "probs: (N, V) or (V,)"
  for a parameter of the entry point, and "-> (N, V)" for its result. On every case of the
  first seed, each claim must fit the tensor: its rank (a leading `...` stands for any
  number of dimensions), its numbers, a parameter's name (`num_heads`) standing for that
  argument's value, and one size per letter within one file.
- Defaults: "`eps` (default `1e-5`)", "`eps` defaults to `1e-5`" against the reference's
  signature.
- Tolerances: "`1e-5 + 1e-4·|expected|` in float32" against the problem's tolerance for that
  dtype (or a case's own).
- Case names: "4 heads (2, 4, 7, 7)". When the author's names give input shapes (at least one
  name's tuple IS a shape of its case's inputs), a name's tuple that is no input's shape
  but has the rank of one input and agrees with it in more than half its positions
  misdescribes that input.

The rule that keeps this precise: only text of exactly these forms is read (a shape of
plain names and numbers, `d/2` or `T0 + n` is not one; a default in its own parenthesis or
after "defaults to"), only about names the entry point has, and only contradicted by a
case: a claim that cannot be read that way is skipped, never reported. A contradiction
is an error: the text misdescribes the cases a learner is checked on.
"""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from ..course.cases import Case
from ..course.loader import Problem
from .validation import Finding

CLAIMS = "claims"
SHAPE = r"\(\s*(?:\.\.\.\s*,\s*)?[A-Za-z0-9_]+(?:\s*,\s*[A-Za-z0-9_]+)*\s*,?\s*\)"
ALTERNATIVES = rf"`?({SHAPE})`?((?:\s*,?\s*or\s+`?{SHAPE}`?)*)"
PARAM_SHAPE = re.compile(r"(?<![\w`])`?([A-Za-z_]\w*)`?\s*(?::|has shape|of shape|is of shape|with shape|is a)\s*"
                         + ALTERNATIVES)
RESULT_SHAPE = re.compile(r"(?:->|→|[Rr]eturns?(?: a tensor)?(?: of shape)?)\s*" + ALTERNATIVES)
ONE_SHAPE = re.compile(SHAPE)
DEFAULT = re.compile(r"`([A-Za-z_]\w*)`\s*(?:\(\s*default:?\s*`([^`]+)`\s*\)|defaults to\s*`([^`]+)`)")
NAME_TUPLE = re.compile(r"\((\d+(?:\s*,\s*\d+)+|\d+\s*,)\s*\)")


@dataclass(frozen=True)
class ShapeClaim:
    file: str
    line: int
    about: str  # a parameter's name, or "" for the result
    shapes: tuple[tuple[str, ...], ...]  # alternatives, each a tuple of elements ("...", "N", "2")
    text: str


def _elements(shape: str) -> tuple[str, ...]:
    return tuple(e.strip() for e in shape.strip()[1:-1].split(",") if e.strip())


def _alternatives(first: str, rest: str) -> tuple[tuple[str, ...], ...]:
    return (_elements(first),) + tuple(_elements(m.group(0)) for m in ONE_SHAPE.finditer(rest or ""))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _sizes_only(shapes: tuple[tuple[str, ...], ...], params: list[str]) -> bool:
    """Every element reads as a size: a number, `...`, a parameter, a short letter (`N`, `V`, `T0`) or a
    name with an underscore (`d_head`); "(logits, cache)" is a tuple of values, not a shape."""
    return all(e == "..." or e.isdigit() or e in params or len(e) <= 3 or "_" in e for s in shapes for e in s)


def shape_claims(text: str, file: str, params: list[str]) -> list[ShapeClaim]:
    out = []
    for m in PARAM_SHAPE.finditer(text):
        if m.group(1) in params and _sizes_only(_alternatives(m.group(2), m.group(3)), params):
            out.append(ShapeClaim(file, _line(text, m.start()), m.group(1), _alternatives(m.group(2), m.group(3)),
                                  m.group(0).strip()))
    for m in RESULT_SHAPE.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if m.group(0).startswith(("->", "→")) and not any(
                c.about for c in out if c.line == _line(text, m.start()) and text.find(c.text, start) < m.start()):
            continue  # an arrow is a result only after the parameters' shapes on its line ("x: (N, d) -> (N, d)")
        if not _sizes_only(_alternatives(m.group(1), m.group(2)), params):
            continue
        out.append(ShapeClaim(file, _line(text, m.start()), "", _alternatives(m.group(1), m.group(2)),
                              m.group(0).strip()))
    return out


def _fits(shape: tuple[str, ...], size: tuple[int, ...], bound: dict[str, int], args: dict) -> dict | None:
    """The bindings `shape` adds when it fits `size` (None: it does not)."""
    elements = list(shape)
    if elements and elements[0] == "...":
        elements = elements[1:]
        if len(size) < len(elements):
            return None
        size = size[len(size) - len(elements):]
    elif len(size) != len(elements):
        return None
    new = dict(bound)
    for e, n in zip(elements, size):
        if e.isdigit():
            if int(e) != n:
                return None
        elif e in args and type(args[e]) is int:
            if args[e] != n:
                return None
        elif e in new:
            if new[e] != n:
                return None
        else:
            new[e] = n
    return new


def _arguments(problem: Problem, case: Case) -> dict | None:
    """The entry point's arguments in this case, defaults included (None: the case is not a plain call)."""
    entry = getattr(problem.reference, problem.entry, None)
    if not inspect.isfunction(entry):
        return None
    sig = inspect.signature(entry)
    if not set(case.inputs) <= set(sig.parameters):
        return None
    args = {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}
    args.update(case.inputs)
    return args if set(args) >= {k for k in sig.parameters} else None


def _result(problem: Problem, case: Case):
    entry = getattr(problem.reference, problem.entry)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            return entry(**case.pristine_inputs())
    except Exception:
        return None


def _shape_findings(problem: Problem, claims: list[ShapeClaim], cases: list[Case]) -> list[Finding]:
    out, reported = [], set()
    by_file: dict[str, list[ShapeClaim]] = {}
    for c in claims:
        by_file.setdefault(c.file, []).append(c)
    for case in cases:
        args = _arguments(problem, case)
        if args is None:
            continue
        result = None
        for file, group in by_file.items():
            bound: dict[str, int] = {}
            for claim in group:
                if claim.about:
                    value = args.get(claim.about)
                else:
                    result = _result(problem, case) if result is None else result
                    value = result
                if not isinstance(value, torch.Tensor):
                    continue
                size = tuple(value.shape)
                fitted = next((b for b in (_fits(s, size, bound, args) for s in claim.shapes) if b is not None), None)
                if fitted is not None:
                    bound = fitted
                    continue
                if (claim.file, claim.line, claim.text) in reported:
                    continue
                reported.add((claim.file, claim.line, claim.text))
                what = f"`{claim.about}`" if claim.about else "the result"
                out.append(Finding("error", CLAIMS, f"{claim.file}:{claim.line}: `{claim.text}` says {what} is "
                                   f"{' or '.join('(' + ', '.join(s) + ')' for s in claim.shapes)}, but in case "
                                   f"{case.name!r} it is {size}{_bound_words(bound)}: fix the text (or the cases)"))
    return out


def _bound_words(bound: dict[str, int]) -> str:
    return f" (the same file's other shapes give {', '.join(f'{k} = {v}' for k, v in bound.items())})" if bound else ""


# --------------------------------------------------------------------------- defaults
def _default_findings(problem: Problem, texts: list[tuple[str, str]]) -> list[Finding]:
    entry = getattr(problem.reference, problem.entry, None)
    if not inspect.isfunction(entry):
        return []
    params = inspect.signature(entry).parameters
    out = []
    for file, text in texts:
        for m in DEFAULT.finditer(text):
            name, shown = m.group(1), (m.group(2) or m.group(3)).strip()
            if name not in params or params[name].default is inspect.Parameter.empty:
                continue
            try:
                value = ast.literal_eval(shown)
            except (ValueError, SyntaxError):
                continue
            actual = params[name].default
            same = value == actual if not isinstance(value, (int, float)) or isinstance(value, bool) \
                else isinstance(actual, (int, float)) and not isinstance(actual, bool) and float(value) == float(actual)
            if not same:
                out.append(Finding("error", CLAIMS, f"{file}:{_line(text, m.start())}: says `{name}` defaults to "
                                   f"`{shown}`, but the reference's default is `{actual!r}`: fix the text "
                                   "(or the reference)"))
    return out


# --------------------------------------------------------------------------- tolerances
TOLERANCE = re.compile(r"`\s*([0-9.]+(?:e-?[0-9]+)?)\s*\+\s*([0-9.]+(?:e-?[0-9]+)?)\s*(?:·|\*|x|×)?\s*\|expected\|\s*`"
                       r"\s*(?:in|for)?\s*\(?\s*(float16|bfloat16|float32|float64)\b")


def _tolerance_findings(problem: Problem, texts: list[tuple[str, str]], cases: list[Case]) -> list[Finding]:
    """"`1e-5 + 1e-4·|expected|` in float32": the problem's tolerance for that dtype, or some case's own."""
    from ..course.cases import case_tolerance

    out = []
    for file, text in texts:
        for m in TOLERANCE.finditer(text):
            try:
                claimed = (float(m.group(1)), float(m.group(2)))
            except ValueError:
                continue
            dtype = m.group(3)
            allowed = {tuple(problem.tolerance(dtype))}
            allowed |= {tuple(case_tolerance(problem, c)) for c in cases if c.tolerance is not None}
            if not any(abs(a - claimed[0]) <= 1e-12 * max(1.0, a) + 1e-15 and abs(r - claimed[1]) <= 1e-15 + 1e-9 * r
                       for a, r in allowed):
                atol, rtol = problem.tolerance(dtype)
                out.append(Finding("error", CLAIMS, f"{file}:{_line(text, m.start())}: says values must match within "
                                   f"`{m.group(1)} + {m.group(2)}·|expected|` in {dtype}, but the problem's {dtype} "
                                   f"tolerance is atol = {atol:g}, rtol = {rtol:g} (problem.toml's [tolerance], or "
                                   "the default) and no case has that one: fix the text (or the tolerance)"))
    return out


# --------------------------------------------------------------------------- case names
def _name_tuples(case: Case) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in m.group(1).split(",") if x.strip()) for m in NAME_TUPLE.finditer(case.name)]


def _input_shapes(case: Case) -> list[tuple[int, ...]]:
    return [tuple(v.shape) for v in case.inputs.values() if isinstance(v, torch.Tensor)]


def _case_name_findings(cases: list[Case]) -> list[Finding]:
    claimed = [(case, t) for case in cases for t in _name_tuples(case)]
    if not any(t in _input_shapes(case) for case, t in claimed):
        return []  # the names do not give input shapes (or give the result's): nothing to hold them to
    out = []
    for case, t in claimed:
        shapes = _input_shapes(case)
        if t in shapes or len(t) < 2:
            continue
        near = [s for s in shapes if len(s) == len(t) and sum(a == b for a, b in zip(s, t)) * 2 > len(t)]
        if near:
            out.append(Finding("error", CLAIMS, f"case {case.name!r} says {t} but its input of that rank has shape "
                               f"{near[0]}: the case's name misdescribes it, or the case does not build what it "
                               "means to (a size hard-coded in the case's helper?)"))
    return out


# --------------------------------------------------------------------------- all of it
def claim_findings(problem: Problem, cases: list[Case], rel: Callable) -> list[Finding]:
    entry = getattr(problem.reference, problem.entry, None)
    params = list(inspect.signature(entry).parameters) if inspect.isfunction(entry) else []
    texts = []
    for path in (problem.statement_path, problem.stub_path):
        if Path(path).exists():
            texts.append((rel(path), Path(path).read_text(encoding="utf-8", errors="replace")))
    claims = [c for file, text in texts for c in shape_claims(text, file, params)]
    return (_shape_findings(problem, claims, cases) + _default_findings(problem, texts)
            + _tolerance_findings(problem, texts, cases) + _case_name_findings(cases))
