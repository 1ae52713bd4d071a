"""The entry point's signature as the stub, the statement and the reference write it.

A learner starts from the stub and reads the statement; the cases are built for the
reference. If one of them has another default (`eps=1e-6` in the stub, `1e-5` in the
reference), a learner who keeps the stub's default fails cases and nothing explains why.
`grader validate` compares them: parameter names, order, kinds and defaults (annotations
are documentation and are not compared). For a class entry point, each method the stub
defines is compared.

Everything is read from source text, never run: the statement's code blocks need not be
valid Python (`def f(x) -> T` with no body is how statements show a signature).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import Enum

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


class ParamKind(Enum):
    POSITIONAL_ONLY = "positional-only"
    POSITIONAL = "positional"
    VAR_POSITIONAL = "*args"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "**kwargs"


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    default: str | None = None  # the default's source, normalised (1e-05 and 0.00001 read the same)

    def __str__(self) -> str:
        prefix = {ParamKind.VAR_POSITIONAL: "*", ParamKind.VAR_KEYWORD: "**"}.get(self.kind, "")
        return f"{prefix}{self.name}" + (f"={self.default}" if self.default is not None else "")


@dataclass(frozen=True)
class Signature:
    name: str  # `layer_norm`, or `ReverseEmbedding.forward` for a method
    params: tuple[Param, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.params))})"

    def difference(self, other: "Signature") -> str | None:
        """The first way `self` differs from `other`, in words; None when they agree."""
        names, others = [p.name for p in self.params], [p.name for p in other.params]
        if names != others:
            return f"parameters ({', '.join(names)}) instead of ({', '.join(others)})"
        for mine, theirs in zip(self.params, other.params):
            if mine.kind != theirs.kind:
                return f"`{mine.name}` is {mine.kind.value} instead of {theirs.kind.value}"
            if mine.default != theirs.default:
                return f"the default of `{mine.name}` is {_shown(mine.default)} instead of {_shown(theirs.default)}"
        return None


def _shown(default: str | None) -> str:
    return "absent" if default is None else default


def _default_text(node: ast.expr | None) -> str | None:
    if node is None:
        return None
    try:
        return repr(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ast.unparse(node)


def _params(args: ast.arguments) -> tuple[Param, ...]:
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = [Param(a.arg, ParamKind.POSITIONAL_ONLY if i < len(args.posonlyargs) else ParamKind.POSITIONAL,
                 _default_text(d)) for i, (a, d) in enumerate(zip(positional, defaults))]
    if args.vararg:
        out.append(Param(args.vararg.arg, ParamKind.VAR_POSITIONAL))
    out += [Param(a.arg, ParamKind.KEYWORD_ONLY, _default_text(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        out.append(Param(args.kwarg.arg, ParamKind.VAR_KEYWORD))
    return tuple(out)


def from_tree(tree: ast.Module, entry: str) -> dict[str, Signature]:
    """The entry's signature(s) in parsed source: {name: Signature} (one per method of a class)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry:
            return {entry: Signature(entry, _params(node.args))}
        if isinstance(node, ast.ClassDef) and node.name == entry:
            return {f"{entry}.{m.name}": Signature(f"{entry}.{m.name}", _params(m.args)) for m in node.body
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return {}


def from_source(source: str, entry: str) -> dict[str, Signature]:
    """The entry's signature(s) in a Python file; {} when it does not parse or lacks the entry."""
    try:
        return from_tree(ast.parse(source), entry)
    except SyntaxError:
        return {}


def _header_end(text: str, start: int) -> int | None:
    """The index just past the parenthesis that closes the one opened at or after `start`."""
    depth = 0
    for i in range(text.index("(", start), len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    return None


def _def_headers(code: str, name: str) -> list[tuple[int, str]]:
    """(indent, `def name(...)`) for each def of `name` (any name when `name` is None) in a code block."""
    wanted = re.escape(name) if name else r"\w+"
    pattern = re.compile(r"^([ \t]*)def (" + wanted + r")\s*\(", re.M)
    found = []
    for match in pattern.finditer(code):
        end = _header_end(code, match.start(2))
        if end is not None:
            found.append((len(match.group(1)), code[match.start(2) - 4:end]))
    return found


def _parse_header(header: str) -> tuple[Param, ...] | None:
    try:
        [node] = ast.parse(header.strip() + ": ...").body
    except (SyntaxError, ValueError):
        return None
    return _params(node.args)


def from_statement(markdown: str, entry: str) -> dict[str, Signature]:
    """The entry's signature(s) shown in the statement's code blocks (the first showing it)."""
    for block in FENCE.findall(markdown):
        headers = _def_headers(block, entry)
        if headers:
            params = _parse_header(headers[0][1])
            return {entry: Signature(entry, params)} if params is not None else {}
        klass = re.search(rf"^([ \t]*)class {re.escape(entry)}\b[^\n]*\n((?:\1[ \t]+[^\n]*\n?|[ \t]*\n)*)", block, re.M)
        if klass:
            methods = {}
            for _, header in _def_headers(klass.group(2), ""):
                method = header[4:header.index("(")].strip()
                params = _parse_header(header)
                if params is not None:
                    methods[f"{entry}.{method}"] = Signature(f"{entry}.{method}", params)
            return methods
    return {}
