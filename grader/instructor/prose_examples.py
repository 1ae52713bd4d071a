"""Worked examples written in prose, evaluated with the reference.

A statement often shows a result without a doctest: `f([[2., 0., 0.]], [0], smoothing=0.3)
->  0.6395`, "`f(torch.zeros(2))` returns `[0, 0]`", "f(1.0) = 0.8412". Such a line is a
claim about the reference: the call (the entry point's own name, arguments that are
literals or torch expressions) is evaluated with the reference bound to the name, and the
numbers printed after the arrow (`->`, `→`, `=>`, `=`, `==`, `≈`, "gives", "returns",
"is") are compared with the result's, each within one unit of its last printed digit.

The rule that keeps this precise: only a call of the entry point whose arguments all
evaluate, and whose result has exactly as many numbers as the text prints, is judged; a
sentence that cannot be read that way is skipped, never reported.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

from .statement_text import Snippet, Where

# What may stand between a call and its shown value: an arrow, `=`, a word, a table's `|`,
# or a comment's `#` (`f(x)   # tensor([...])`).
ARROW = re.compile(r"^\s*(?:->|→|=>|==|=|≈|~=|\||gives|returns|is|evaluates to|#\s*(?:->|→|=>|=)?)"
                   r"\s*(?:about\s+|approximately\s+)?")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|[-+]?\binf\b|\bnan\b")
NOISE = re.compile(r",?\s*(?:dtype|device|grad_fn|requires_grad|size)\s*=\s*[\w.<>]+")
MAX_TRIES = 64


@dataclass(frozen=True)
class ProseMismatch:
    snippet: Snippet
    call: str
    shown: str
    got: str


def _balanced(text: str, start: int) -> int:
    """The index just past the bracket group that opens at `start` (-1 if it never closes)."""
    pairs, depth = {"(": ")", "[": "]", "{": "}"}, []
    for i in range(start, len(text)):
        ch = text[i]
        if ch in pairs:
            depth.append(pairs[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
            if not depth:
                return i + 1
        elif ch in ")]}":
            return -1
    return -1


RELATION_WORDS = {"times", "as", "more", "less", "larger", "smaller", "bigger", "than", "of", "plus", "minus",
                  "over", "divided", "squared", "per", "to", "or"}


def _ends_a_value(after: str) -> bool:
    """What follows a printed number leaves it a value: the end, punctuation, or a word that
    does not make it part of a formula or a relation (`0.5 * x`, `2 times f(1)`, `0.5 x`)."""
    if re.match(r"^\s*$|^[.,;:|`]\s|^[.,;:|`]$|^\s*[.,;:|)]", after):
        return True
    word = re.match(r"^\s+([A-Za-z]+)\b", after)
    return bool(word) and len(word.group(1)) > 1 and word.group(1).lower() not in RELATION_WORDS


def _shown_value(rest: str) -> str | None:
    """The value text right after an arrow: `tensor(...)`, a bracketed list, or a number."""
    rest = rest.replace("`", " ").lstrip()
    m = ARROW.match(rest)
    if not m:
        return None
    rest = rest[m.end():].lstrip()
    if rest.startswith("tensor("):
        end = _balanced(rest, len("tensor"))
        return rest[:end] if end > 0 else None
    if rest[:1] and rest[0] in "[(":  # ("" is in every string: a line ending at the arrow shows nothing)
        end = _balanced(rest, 0)
        if rest[0] == "(" and re.fullmatch(r"\(\s*\d+\s*(?:,\s*\d+\s*)*,?\s*\)", rest[:end] if end > 0 else ""):
            return None  # `(2, 5)`: a shape, not values
        return rest[:end] if end > 0 and _ends_a_value(rest[end:]) else None
    number = NUMBER.match(rest)
    if not number or not _ends_a_value(rest[number.end():]):
        return None  # `f(x) = 0.5 * x * ...`: a formula, not a value
    return number.group(0)


def claims(snippet: Snippet, entry: str) -> list[tuple[str, str]]:
    """(call text, shown value text) of each `entry(...) -> value` on the snippet's text."""
    text, out = snippet.text, []
    if ">>>" in text:
        return out  # a doctest: grader/instructor/examples.py runs it
    for m in re.finditer(rf"(?<![\w.]){re.escape(entry)}\(", text):
        if re.search(r"\bdef\s*$", text[:m.start()]):
            continue
        end = _balanced(text, m.end() - 1)
        if end < 0:
            continue
        shown = _shown_value(text[end:])
        if shown is not None:
            out.append((text[m.start():end], shown))
    return out


def _numbers(text: str) -> list[tuple[float, float]]:
    """(value, tolerance) of each number printed: one unit of its last digit."""
    out = []
    for token in NUMBER.findall(NOISE.sub("", text)):
        value = float(token)
        mantissa, _, exponent = token.lower().partition("e")
        decimals = len(mantissa.split(".", 1)[1]) if "." in mantissa else 0
        unit = 10.0 ** (-decimals + (int(exponent) if exponent else 0)) if "." in mantissa or exponent else 0.5
        out.append((value, unit + 1e-7 * abs(value) if math.isfinite(value) else 0.0))
    return out


def _flat(value) -> list[float] | None:
    if isinstance(value, bool):
        return [float(value)]
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, torch.Tensor) and not value.is_complex():
        return [float(v) for v in value.detach().double().flatten().tolist()]
    return None


def _variants(value) -> list:
    """Ways to pass a literal argument: as written, as a tensor, as a float32 tensor."""
    if isinstance(value, (list, tuple)) and value and not any(isinstance(v, torch.Tensor) for v in value):
        try:
            natural = torch.tensor(value)
        except Exception:
            return [value]
        options = [natural]
        if not natural.is_floating_point():
            options.append(natural.float())
        return options + [value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [value, torch.tensor(float(value))]
    return [value]


BASE_NAMES = {"torch": torch, "math": math, "F": torch.nn.functional, "tensor": torch.tensor,
              "inf": math.inf, "nan": math.nan}


def _assignments(text: str) -> list[tuple[str, str]]:
    """(name, expression) of a code line `x = ...` or of inline spans `` `x = ...` ``."""
    out = []
    for piece in [text.strip()] + re.findall(r"`([^`]+)`", text):
        try:
            tree = ast.parse(piece.strip())
        except SyntaxError:
            continue
        if len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign) and len(tree.body[0].targets) == 1 \
                and isinstance(tree.body[0].targets[0], ast.Name):
            out.append((tree.body[0].targets[0].id, ast.unparse(tree.body[0].value)))
    return out


def _bind(scope: dict, text: str) -> None:
    """Values the text assigns (`x = torch.tensor([1., 2.])`), for the calls after it."""
    for name, expression in _assignments(text):
        try:
            scope[name] = eval(compile(expression, "<example>", "eval"), {**BASE_NAMES, **scope})
        except Exception:
            scope.pop(name, None)  # a name we cannot know must not keep an older value


def _evaluate(call: str, entry: str, fn: Callable, scope: dict | None = None):
    """The reference's result for the call text, or raise (the call is not readable)."""
    tree = ast.parse(call, mode="eval").body
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == entry):
        raise ValueError("not a call of the entry point")
    names = {**BASE_NAMES, **(scope or {})}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in names and node.id != entry:
            raise NameError(node.id)
    args = [eval(compile(ast.Expression(a), "<example>", "eval"), names) for a in tree.args]
    kwargs = {k.arg: eval(compile(ast.Expression(k.value), "<example>", "eval"), names) for k in tree.keywords}
    if any(k is None for k in kwargs):
        raise ValueError("**kwargs")
    keys = list(kwargs)
    choices = [_variants(a) for a in args] + [_variants(kwargs[k]) for k in keys]
    last: Exception = ValueError("no way to call it")
    for tried, combo in enumerate(itertools.product(*choices)):
        if tried >= MAX_TRIES:
            break
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fn(*combo[:len(args)], **dict(zip(keys, combo[len(args):])))
        except Exception as exc:  # another way of passing the literals may fit
            last = exc
    raise last


def _agrees(got: list[float], shown: list[tuple[float, float]]) -> bool:
    for g, (s, tol) in zip(got, shown):
        if math.isnan(s) and math.isnan(g):
            continue
        if math.isinf(s) and g == s:
            continue
        if not abs(g - s) <= tol:
            return False
    return True


def _short(values: list[float]) -> str:
    shown = ", ".join(f"{v:.6g}" for v in values[:8])
    return shown if len(values) == 1 else f"[{shown}{', ...' if len(values) > 8 else ''}]"


def check_prose(snippets: list[Snippet], entry: str, fn: Callable) -> list[ProseMismatch]:
    """The prose examples whose numbers the reference does not give."""
    out, scope, file = [], {}, None
    for snippet in snippets:
        if snippet.file != file or not snippet.text.strip() or snippet.text.lstrip().startswith("```"):
            scope, file = {}, snippet.file  # names live within one paragraph or block
        if snippet.where is Where.LINE:
            _bind(scope, snippet.text)
        for call, shown_text in claims(snippet, entry):
            shown = _numbers(shown_text)
            if not shown:
                continue
            try:
                torch.manual_seed(0)
                got = _flat(_evaluate(call, entry, fn, {k: _copy(v) for k, v in scope.items()}))
            except Exception:
                continue  # not a call we can make: skipped, never reported
            if got is None or len(got) != len(shown):
                continue
            if not _agrees(got, shown):
                out.append(ProseMismatch(snippet, call, shown_text, _short(got)))
    return out


def _copy(value):
    return value.clone() if isinstance(value, torch.Tensor) else value
