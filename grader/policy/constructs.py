"""The closed world of the static scan: every `ast` node type is judged or refused.

A node type the scan has never been told about (a new Python's) is refused, never passed:
grader/policy/static.py looks each node up here before judging it. tests/test_static_policy.py
enumerates the running Python's `ast` and fails if a node class is in neither table, so a
new construct fails the grader's tests, not a learner's check.

JUDGED says which rule of grader/policy/static.py decides on each construct; REFUSED says why a
construct is not allowed in a solution (the learner reads it).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

_NAMES = "names: bound by the file only through imports, aliases, def or class are traced"
_ATTRS = "attribute rules (check_attribute), whatever object the attribute is read from"
_CALLS = "call rules: forbidden builtins, getattr with a constant name, type(), functools.wraps"
_VISIBLE = "its parts are expressions or statements the scan visits; it reads no attribute by name"
_OPERATOR = "an operator: runs a dunder of its operands' classes, which are visible code"
_CONTEXT = "how a name or attribute is used (load, store, delete): stores are judged as patches"
_ABSTRACT = "an abstract base of node classes: never an instance itself"

JUDGED: dict[str, str] = {
    # module
    "Module": _VISIBLE,
    # statements
    "FunctionDef": "a def: forbidden method names (__torch_function__, isinstance hooks...), faithful decorators",
    "ClassDef": "a class: no metaclass definitions (bases on type); keywords or hooks make it a stranger's",
    "Return": _VISIBLE, "Delete": _CONTEXT, "Assign": _NAMES, "AugAssign": _CONTEXT, "AnnAssign": _NAMES,
    "For": _VISIBLE, "While": _VISIBLE, "If": _VISIBLE, "With": _VISIBLE, "Raise": _VISIBLE, "Try": _VISIBLE,
    "TryStar": _VISIBLE, "Assert": _VISIBLE,
    "Import": "the import policy (grader/policy/import_policy.py) and workspace modules",
    "ImportFrom": "the import policy; relative and star imports refused",
    "Global": _NAMES, "Nonlocal": _NAMES, "Expr": _VISIBLE, "Pass": _VISIBLE, "Break": _VISIBLE,
    "Continue": _VISIBLE,
    "Match": "the subject is an expression the scan visits; each case is judged by its patterns",
    # expressions
    "BoolOp": _VISIBLE, "NamedExpr": _NAMES + " (a walrus target is a binding like any other)",
    "BinOp": _VISIBLE + " (`%` formatting reads mapping keys, like a subscript, never attributes)",
    "UnaryOp": _VISIBLE, "Lambda": _VISIBLE, "IfExp": _VISIBLE, "Dict": _VISIBLE, "Set": _VISIBLE,
    "ListComp": _VISIBLE, "SetComp": _VISIBLE, "DictComp": _VISIBLE, "GeneratorExp": _VISIBLE,
    "Yield": _VISIBLE, "YieldFrom": _VISIBLE, "Compare": _VISIBLE, "Call": _CALLS,
    "FormattedValue": "an f-string field: its expression and its format spec are visited (conversions "
                      "!r !s !a call repr/str/ascii)",
    "JoinedStr": "an f-string: every field is an expression the scan visits",
    "Constant": "a literal; a `.format` template is read for field paths",
    "Attribute": _ATTRS + "; `.format`/`.format_map` need a constant template without field paths",
    "Subscript": _VISIBLE, "Starred": _VISIBLE, "Name": _NAMES + "; dunder names and forbidden builtins",
    "List": _VISIBLE, "Tuple": _VISIBLE, "Slice": _VISIBLE,
    # contexts
    "Load": _CONTEXT, "Store": _CONTEXT, "Del": _CONTEXT,
    # operators
    **{op: _OPERATOR for op in (
        "And", "Or", "Add", "Sub", "Mult", "MatMult", "Div", "Mod", "Pow", "LShift", "RShift", "BitOr", "BitXor",
        "BitAnd", "FloorDiv", "Invert", "Not", "UAdd", "USub", "Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is",
        "IsNot", "In", "NotIn")},
    # parts of statements
    "comprehension": _NAMES + "; `async for` in one is refused like the statement", "ExceptHandler": _NAMES, "arguments": _VISIBLE, "arg": _NAMES,
    "keyword": _VISIBLE, "alias": "the import policy", "withitem": _VISIBLE, "match_case": _VISIBLE,
    "TypeIgnore": "a `# type: ignore` comment: no code",
    # match patterns
    "MatchValue": "compares with a value expression (dotted names are judged as attribute reads)",
    "MatchSingleton": "compares with None, True or False",
    "MatchSequence": "unpacks a sequence, like a starred assignment",
    "MatchMapping": "reads constant keys of a mapping, like subscripts; `**rest` copies it",
    "MatchClass": "an isinstance test plus attribute reads: keyword sub-patterns are judged as the attribute "
                  "reads they are; positional ones read the class's __match_args__ names, so they are "
                  "allowed only on int, str, float... (one sub-pattern) or on a sealed class of the file",
    "MatchStar": _NAMES, "MatchAs": _NAMES, "MatchOr": _VISIBLE,
    # abstract bases
    **{base: _ABSTRACT for base in (
        "AST", "mod", "stmt", "expr", "expr_context", "boolop", "operator", "unaryop", "cmpop", "excepthandler",
        "pattern", "type_ignore", "slice")},
}

_ASYNC = "async code is not part of what solutions may use: nothing in a check runs an event loop, and a " \
         "coroutine's body runs whenever something drives it"
_DEPRECATED = "not produced by this Python's parser (a deprecated node class)"
_TYPE_PARAMS = "type-parameter syntax (Python 3.12) is evaluated lazily in scopes the checks do not follow"


@dataclass(frozen=True)
class Refusal:
    label: str  # what the learner sees as the construct
    why: str


REFUSED: dict[str, Refusal] = {
    "AsyncFunctionDef": Refusal("async def", _ASYNC),
    "AsyncFor": Refusal("async for", _ASYNC),
    "AsyncWith": Refusal("async with", _ASYNC),
    "Await": Refusal("await", _ASYNC),
    "Interactive": Refusal("interactive input", "a solution is a module"),
    "Expression": Refusal("an expression", "a solution is a module"),
    "FunctionType": Refusal("a function type comment", "a solution is a module"),
    "TypeAlias": Refusal("type statement", _TYPE_PARAMS),
    "TypeVar": Refusal("type parameter", _TYPE_PARAMS),
    "ParamSpec": Refusal("type parameter", _TYPE_PARAMS),
    "TypeVarTuple": Refusal("type parameter", _TYPE_PARAMS),
    "type_param": Refusal("type parameter", _TYPE_PARAMS),
    **{name: Refusal(f"ast.{name}", _DEPRECATED) for name in (
        "Num", "Str", "Bytes", "NameConstant", "Ellipsis", "Index", "ExtSlice", "Suite", "Param", "AugLoad",
        "AugStore")},
}

UNKNOWN = "a construct the checks do not know (from a newer Python): refused until they judge it"

# Builtins whose class pattern with one positional sub-pattern binds the subject itself
# (`case int(n)`): no attribute is read.
SELF_MATCHING_BUILTINS = frozenset({
    "bool", "bytearray", "bytes", "dict", "float", "frozenset", "int", "list", "set", "str", "tuple"})

# Methods that fill a template's fields from their arguments.
FORMAT_METHODS = frozenset({"format", "format_map", "vformat"})


def unsafe_format_field(template: str, depth: int = 0) -> str | None:
    """The first replacement field of a `str.format` template that reads an attribute or an
    item of its argument (`{0.sys}`, `{t[k]}`), nested format specs included; the whole
    template if Python cannot parse it; None if every field is plain (`{}`, `{0}`, `{name}`)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return template
    for _, field, spec, _ in parsed:
        if field is not None and not (field == "" or field.isdigit() or field.isidentifier()):
            return field
        if spec and depth < 2:
            inner = unsafe_format_field(spec, depth + 1)
            if inner is not None:
                return inner
    return None
