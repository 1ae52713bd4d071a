"""Static scan of learner code: an allow-list policy, banned APIs however they are reached.

Three kinds of rule, from precise to blunt:

- Imports follow the problem's ImportPolicy (grader/policy/import_policy.py): torch's public
  submodules, math, numpy, a few standard helpers and the learner's workspace files.
  A workspace file named like a real module (sys.py, torch.py) is refused: it would make
  `import sys` look like the learner's own file.
- Names traced back through imports and simple assignments become dotted paths
  (`F.gelu` -> `torch.nn.functional.gelu`) and are matched against the banned spec by
  path and by object identity (`torch._C._nn.gelu` is F.gelu), against private parts,
  the policy's denials, and modules re-exported under allowed ones (`torch.sys`).
- Attribute names are judged whatever they are reached from, since a parameter, a
  subscript or a call can hold any object: dunders outside a small harmless set, names
  that lead to interpreter internals (`sys`, `f_back`, `modules`...), private names on
  anything not the learner's own, and a banned API's name (`.gelu`, `.multinomial`) on
  anything not the learner's own.

A learner's own objects are the names the file binds only by `def` or `class` (under
decorators that return what they decorate), `self`/`cls` of its own methods, instances
of its own classes (no metaclass or __new__), and imports of workspace files or of what
they define with def or class. For banned names the classes must also be plain (on
object or nn.Module, not torch.Tensor). An own method taken from its class
(`A.method(F)`) is refused, since then `self` could be anything. Names are judged per
file, not per scope: one non-own binding anywhere makes a name a stranger.

The world is closed: every node type is judged or refused (grader/policy/constructs.py), an
unknown one refused. Constructs that read attributes are judged as the reads they are: a
class pattern's keyword fields as attributes, its positional fields only on a sealed class
of the file or a self-matching builtin; a `.format` template only if constant and without
field paths. What could make a stranger's object pass for the learner's (register,
isinstance hooks, metaclasses, classes built at run time, namespace-copying wrappers,
decorators that are not the library's) is refused.

A file too deeply nested to walk is refused rather than crashing the grader.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import math
import sys
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .banned import BannedSpec
from .constructs import FORMAT_METHODS, JUDGED, REFUSED, SELF_MATCHING_BUILTINS, UNKNOWN, unsafe_format_field
from .import_policy import DEFAULT_POLICY, ImportPolicy
from .violations import Violation

FORBIDDEN_CALLS = {
    "getattr": "getattr with a computed name can reach any API",
    "setattr": "setattr can patch the grader's libraries",
    "delattr": "delattr can patch the grader's libraries",
    "eval": "eval runs code the checks cannot see",
    "exec": "exec runs code the checks cannot see",
    "compile": "compile builds code the checks cannot see",
    "__import__": "__import__ imports modules the checks cannot see",
    "globals": "globals() exposes the module namespace",
    "locals": "locals() exposes frames",
    "vars": "vars() exposes namespaces",
    "open": "solutions do not read or write files",
    "breakpoint": "no debugger in the sandbox",
    "input": "no input in the sandbox",
    "help": "help() imports modules the checks cannot see",
}
# Attribute names that lead to modules, frames or namespaces on whatever object holds
# them (`torch.serialization.gc`, `F.inspect`, `e.__traceback__.tb_frame.f_back`).
INTERNAL_ATTRS = frozenset({
    # modules re-exported by allowed ones
    "sys", "os", "gc", "inspect", "ctypes", "threading", "_thread", "subprocess", "importlib",
    "builtins", "multiprocessing", "signal", "socket", "shutil", "pickle", "marshal", "io",
    "pathlib", "tempfile", "types", "traceback", "asyncio", "concurrent", "tracemalloc",
    "faulthandler", "sysconfig", "site", "runpy", "pkgutil", "resource", "posix", "mmap",
    "unittest", "copyreg", "code", "codeop", "dis", "string",
    # their contents: the module table, frames, object walks, attribute-by-name helpers
    "modules", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "tb_frame",
    "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
    "get_objects", "get_referrers", "get_referents", "currentframe", "getframeinfo",
    "attrgetter", "methodcaller", "Formatter",
    # torch's routes around its own dispatch
    "ops", "overrides", "library", "cpp_extension",
})
# Routes around the checks under names a learner's own object may well use (`self.compile`):
# refused on anything that is not the learner's own.
ROUTE_ATTRS = frozenset({
    "jit", "compile", "compiler", "fork", "from_file", "serialization", "hub", "package",
    "distributed", "get_type_hints", "singledispatch", "singledispatchmethod", "fx", "onnx",
    "tofile", "fromfile", "samples", "stride_tricks",
})
# `self.modules()` is nn.Module's public method: on the learner's own module it is fine.
OWN_INTERNAL_ATTRS = frozenset({"modules"})
# Dunders a learner uses for ordinary protocol calls (`super().__init__()`, `f.__name__`):
# none of them yields a namespace, a frame, a class hierarchy or code.
ALLOWED_DUNDER_ATTRS = frozenset({
    "__init__", "__call__", "__name__", "__qualname__", "__doc__", "__len__", "__iter__",
    "__next__", "__getitem__", "__contains__", "__repr__", "__str__", "__enter__", "__exit__",
    "__post_init__",
})
ALLOWED_DUNDER_NAMES = frozenset({"__name__", "__doc__", "__file__", "__qualname__", "__module__",
                                  "__all__", "__slots__", "__version__"})
# Methods whose definition changes how torch or the interpreter treats the learner's objects.
FORBIDDEN_DEFINITIONS = {
    "__torch_function__": "a __torch_function__ override sees (and can rewrite) torch calls",
    "__torch_dispatch__": "a __torch_dispatch__ override sees (and can rewrite) kernel calls",
    "__del__": "__del__ runs code when the checks are no longer watching",
    "__getattribute__": "__getattribute__ hides which attributes are used",
    "__instancecheck__": "__instancecheck__ makes isinstance say yes to any object, so a stranger's object "
                         "could pass for your own",
    "__subclasscheck__": "__subclasscheck__ makes issubclass (and isinstance) say yes to any class",
    "__subclasshook__": "__subclasshook__ makes isinstance say yes to any object, so a stranger's object "
                        "could pass for your own",
}
# Enum's functional API (`Enum("E", {...})`) builds a class from a namespace, dunders included.
ENUM_CLASSES = frozenset(f"enum.{name}" for name in ("Enum", "IntEnum", "Flag", "IntFlag", "StrEnum", "ReprEnum"))
# Builtins that only show or compare a class: `type(x)` may be handed to them.
TYPE_CONSUMERS = frozenset({"print", "str", "repr", "format", "id", "hash", "isinstance", "issubclass"})
# Attribute names that make isinstance lie (`ABC.register(type(torch))`): refused on
# anything but the learner's own objects that define them.
ISINSTANCE_ROUTES = frozenset({"register"})
NESTING = "too deeply nested to check"


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not _is_dunder(name)


@functools.lru_cache(maxsize=1)
def library_private_names() -> frozenset[str]:
    """Private names of torch, numpy and the interpreter: never the learner's own, even on
    `self` (an unbound method call can pass torch itself as `self`)."""
    import numpy
    import torch

    spaces = [torch, torch._C, torch.Tensor, torch.nn.Module, torch.nn.functional, numpy, sys,
              types.FunctionType, types.ModuleType]
    return frozenset(n for space in spaces for n in dir(space) if _is_private(n))


@functools.lru_cache(maxsize=1)
def library_function_names() -> frozenset[str]:
    """Public functions of torch, torch.nn.functional, math and numpy. Assigning one of these
    names on an object the scan cannot trace (`t.softmax = ...` with `t=torch`) patches the
    library for the grader's code in the same process. Names that are also plain data on
    tensors and modules (`shape`) are left out."""
    import numpy
    import torch

    def public_callables(space) -> set[str]:
        out = set()
        for name in dir(space):
            if not name.startswith("_"):
                try:
                    value = inspect.getattr_static(space, name)
                except AttributeError:
                    continue
                if callable(value) or isinstance(value, (staticmethod, classmethod)):
                    out.add(name)
        return out

    functions = set().union(*(public_callables(s) for s in (torch, torch.nn.functional, math, numpy)))
    data = {n for s in (torch.Tensor, torch.nn.Module) for n in dir(s) if not n.startswith("_")} - \
        set().union(*(public_callables(s) for s in (torch.Tensor, torch.nn.Module)))
    return frozenset(functions - data)


def banned_attribute_names(spec: BannedSpec) -> dict[str, str]:
    """A banned API's last name (and its public aten ops') -> its public name: `.gelu` or
    `.multinomial` on an object the scan cannot trace is taken to be the banned one."""
    names: dict[str, str] = {}
    for public in spec.names:
        names.setdefault(public.rsplit(".", 1)[-1], public)
    for op, public in spec.aten.items():
        if not op.startswith("_"):
            names.setdefault(op, public)
    return names


_MISSING = object()


def resolve_loaded(path: str):
    """The object at a dotted path, from modules already imported, without importing or
    running anything (module __getattr__ and properties are not called). _MISSING if not."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        obj = sys.modules.get(".".join(parts[:i]))
        if obj is None:
            continue
        for attr in parts[i:]:
            try:
                obj = inspect.getattr_static(obj, attr)
            except AttributeError:
                return _MISSING
        return obj
    return _MISSING


@functools.lru_cache(maxsize=16)
def denied_objects(policy: ImportPolicy) -> dict[int, tuple[str, str]]:
    """id of each loaded object the policy denies -> (denied path, why): `np.lib.npyio.load`
    is numpy.load under another path."""
    out = {}
    for prefix, why in policy.deny_imports:
        obj = resolve_loaded(prefix)
        if obj is not _MISSING and not isinstance(obj, types.ModuleType):
            out[id(obj)] = (prefix, why)
    return out


def _defining_module(obj) -> str | None:
    """The module a function or class was defined in (`F.handle_torch_function` is
    torch.overrides'), without running anything of the object's own."""
    if obj is _MISSING or not (inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.isclass(obj)):
        return None
    try:
        home = obj.__module__  # a library function or class: a plain slot, not learner code
    except Exception:
        return None
    return home if isinstance(home, str) else None


_LAST_WALK = threading.local()  # per thread: batch grading scans in worker threads


def _walk(tree: ast.AST) -> list[ast.AST]:
    """ast.walk(tree) as a list, kept for the thread's last tree: the scan asks a dozen
    questions of each file's nodes, and walking once made a scan 4x cheaper."""
    last = getattr(_LAST_WALK, "value", (None, []))
    if last[0] is tree:
        return last[1]
    nodes = list(ast.walk(tree))
    _LAST_WALK.value = (tree, nodes)
    return nodes


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def _const_str(node: ast.AST) -> str | None:
    """The value of a string built only from constants ("ge" + "lu", f"{'ge'}lu")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _const_str(node.left), _const_str(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.JoinedStr):
        out = []
        for value in node.values:
            piece = _const_str(value.value if isinstance(value, ast.FormattedValue) else value)
            if piece is None:
                return None
            out.append(piece)
        return "".join(out)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        sep = _const_str(node.func.value)
        if sep is not None and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            items = [_const_str(e) for e in node.args[0].elts]
            if all(i is not None for i in items):
                return sep.join(items)
    return None


# -- who owns a name ------------------------------------------------------------------------

def _method_self_args(tree: ast.AST, classes: set[str]) -> set[int]:
    """ids of the first parameter (self, cls) of each method of the given classes."""
    ids: set[int] = set()
    for node in _walk(tree):
        if not (isinstance(node, ast.ClassDef) and node.name in classes):
            continue
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in item.decorator_list):
                continue
            positional = item.args.posonlyargs + item.args.args
            if positional:
                ids.add(id(positional[0]))
    return ids


# Library bases whose subclasses are still plainly the learner's: their own attributes are
# the learner's methods and nn.Module's bookkeeping, none of them a banned function.
PLAIN_BASES = frozenset({"object", "ABC", "abc.ABC", "Enum", "enum.Enum", "NamedTuple", "typing.NamedTuple"} | {
    f"{prefix}{name}" for prefix in ("", "nn.", "torch.nn.")
    for name in ("Module", "ModuleList", "ModuleDict", "Sequential", "ParameterList", "ParameterDict")})


def _classes(tree: ast.AST, library_base_ok: Callable[[str], bool]) -> set[str]:
    """The file's classes whose instances are what they seem: no metaclass, no __new__,
    built on library bases `library_base_ok` accepts or on other such classes of the file."""
    classes = {node.name: node for node in _walk(tree) if isinstance(node, ast.ClassDef)}
    ok: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            if name in ok or node.keywords or any(
                    isinstance(i, (ast.FunctionDef, ast.AsyncFunctionDef)) and i.name == "__new__" for i in node.body):
                continue
            bases = [".".join(_dotted(b) or ["?"]) for b in node.bases]
            if all(b in ok or (b not in classes and library_base_ok(b)) for b in bases):
                ok.add(name)
                changed = True
    return ok


def _plain_classes(tree: ast.AST) -> set[str]:
    """Classes on harmless bases only. A subclass of torch.Tensor is not plain: its
    instances carry torch's methods (`.multinomial`)."""
    return _classes(tree, lambda base: base in PLAIN_BASES)


def _honest_classes(tree: ast.AST) -> set[str]:
    """Classes whose constructor gives an instance of themselves, on any library base; a
    metaclass or __new__ (here or in an own base) could return anything."""
    return _classes(tree, lambda base: True)


# Bases whose subclasses' isinstance tests are plain: no ABC (register, __subclasshook__),
# no metaclass that could answer for any object.
SEALED_BASES = frozenset({"builtins.object", "typing.NamedTuple"} | {
    f"torch.nn.{name}" for name in ("Module", "ModuleList", "ModuleDict", "Sequential", "ParameterList",
                                    "ParameterDict")})


def _library_imports(tree: ast.AST) -> dict[str, str]:
    """Name -> the library path an import binds it to (`nn` -> torch.nn); a name any other
    statement of the file binds is left out."""
    out: dict[str, str] = {}
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return {k: v for k, v in out.items() if k not in bound_names(tree)}


def sealed_classes(tree: ast.AST, own: frozenset[str], local_modules: set[str] = frozenset()) -> frozenset[str]:
    """The file's classes whose instances are only what their `class` statement made: own
    names, faithfully decorated (dataclass), no metaclass or __new__, on sealed bases named
    through the library's own imports (`from abc import ABC as NamedTuple` is an ABC). A
    class pattern's positional sub-patterns read the names in its __match_args__, which for
    these are the file's own fields, on an object that really is an instance."""
    imports = {k: v for k, v in _library_imports(tree).items() if v.split(".")[0] not in local_modules}
    bound = bound_names(tree)

    def sealed_base(base: str) -> bool:
        head, _, rest = base.partition(".")
        if head in imports:
            path = imports[head] + ("." + rest if rest else "")
        elif head == "object" and not rest and head not in bound:
            path = "builtins.object"
        else:
            return False
        return path in SEALED_BASES

    return frozenset(_classes(tree, sealed_base)) & own


# Decorators that hand back the function or class they decorate (or a faithful wrapper).
FAITHFUL_DECORATORS = frozenset({
    "staticmethod", "classmethod", "property", "setter", "getter", "deleter", "cached_property",
    "dataclass", "abstractmethod", "no_grad", "inference_mode", "enable_grad", "lru_cache", "cache",
    "total_ordering", "unique", "wraps",
})


ACCESSOR_DECORATORS = frozenset({"setter", "getter", "deleter"})


@dataclass(frozen=True)
class FileBindings:
    """What a file binds, for judging its decorators: every name it binds other than by an
    import of a library (`bound`: a workspace file's `dataclass` is not the library's), the
    functions it decorates with a plain @property (`properties`), and the names it binds
    only by def or class (`plain_defs`)."""

    bound: frozenset[str]
    properties: frozenset[str]
    plain_defs: frozenset[str]

    @classmethod
    def of(cls, tree: ast.AST, local_modules: set[str] = frozenset()) -> "FileBindings":
        bound = frozenset(bound_names(tree)) | frozenset(
            (a.asname or a.name).split(".")[0] for node in _walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) and _imports_from_workspace(node, local_modules)
            for a in node.names)
        others = {n.id for n in _walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)} | \
            {n.arg for n in _walk(tree) if isinstance(n, ast.arg)} | imported_names(tree)
        defs = [n for n in _walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        plain_defs = frozenset(n.name for n in defs) - others
        properties = frozenset(n.name for n in defs if n.name in plain_defs and any(
            isinstance(d, ast.Name) and d.id == "property" for d in n.decorator_list))
        return cls(bound, properties, plain_defs)


def _imports_from_workspace(node: ast.Import | ast.ImportFrom, local_modules: set[str]) -> bool:
    if isinstance(node, ast.ImportFrom):
        return bool(node.level) or (node.module or "").split(".")[0] in local_modules
    return any(a.name.split(".")[0] in local_modules for a in node.names)


def _faithfully_decorated(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, file: FileBindings) -> bool:
    """Whether the name a def or class binds is still that function or class: `@deco` could
    return anything (`def deco(f): return F`), so only library decorators known to hand
    back what they decorate count, by a name the file does not bind itself (its own
    `def cache(f): return F` is not functools.cache); `@x.setter` only on the file's own
    property x; `@wraps(g)` only with g the file's own function (it copies g's attributes)."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        parts = _dotted(target)
        if not parts or parts[-1] not in FAITHFUL_DECORATORS:
            return False
        if parts[-1] in ACCESSOR_DECORATORS:
            if not (len(parts) == 2 and parts[0] in file.properties):
                return False
        elif parts[0] in file.bound:
            return False
        if parts[-1] == "wraps" and not (isinstance(decorator, ast.Call) and decorator.args and
                                         isinstance(decorator.args[0], ast.Name) and
                                         decorator.args[0].id in file.plain_defs):
            return False
    return True


def _sibling_loaders(tree: ast.AST) -> set[str]:
    """Names bound to grader.course.sibling, with which a reference loads the reference
    beside it (`M = sibling(__file__, "_model")`). A learner cannot import grader, so this
    grants them nothing: the import itself is refused."""
    return {a.asname or a.name for node in _walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "grader.course" and not node.level
            for a in node.names if a.name == "sibling"}


def _own_value_targets(tree: ast.AST, makers: set[str]) -> set[int]:
    """ids of Name targets assigned by a call to one of `makers`: an own plain class (its
    instance) or the sibling loader (another reference file)."""
    ids: set[int] = set()
    for node in _walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and node.value.func.id in makers:
            ids.update(id(t) for t in node.targets if isinstance(t, ast.Name))
    return ids


def _import_bindings(node: ast.Import | ast.ImportFrom, local_modules: set[str],
                     definitions: Callable[[str], frozenset[str]]) -> list[tuple[str, bool]]:
    """(bound name, is the learner's own) for each name an import binds. A name imported
    from a workspace file is own only if that file defines it with def or class: the
    file's `F` from `import torch.nn.functional as F` is still torch's."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name.split(".")[0] in local_modules) for a in node.names]
    module = (node.module or "").split(".")[0]
    if node.level or module not in local_modules:
        return [(a.asname or a.name, False) for a in node.names if a.name != "*"]
    defined = definitions(module)
    return [(a.asname or a.name, a.name in defined) for a in node.names if a.name != "*"]


def defined_attributes(tree: ast.AST) -> frozenset[str]:
    """Attribute names the file gives its own objects: methods and class attributes, and
    anything it assigns as an attribute (`self.compile = ...`)."""
    names: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(item.name)
                elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return frozenset(names)


def plain_class_methods(tree: ast.AST) -> dict[str, frozenset[str]]:
    """Each class's instance methods (not static or class methods): calling one through the
    class passes `self` explicitly, and then `self` can be anything."""
    out = {}
    for node in _walk(tree):
        if isinstance(node, ast.ClassDef):
            out[node.name] = frozenset(
                item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and not any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
                            for d in item.decorator_list))
    return out


def top_level_definitions(tree: ast.AST) -> frozenset[str]:
    """Names a module binds only by def or class at its top level."""
    defined, other = set(), set()
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        else:
            other.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                other.update((a.asname or a.name).split(".")[0] for a in node.names)
    return frozenset(defined - other)


def own_names(tree: ast.AST, local_modules: set[str],
              definitions: Callable[[str], frozenset[str]] = lambda module: frozenset(),
              plain_only: bool = True) -> frozenset[str]:
    """Names every binding of which is the learner's own (def, class, self/cls of a plain
    class, an instance of one, an import of a workspace file or of what it defines, a
    reference's sibling). One other binding anywhere (an assignment, a parameter) and the
    name could hold anything, so it is not own. `plain_only=False` counts self and
    instances of every class in the file, Tensor subclasses too: right for private names
    (torch's own are refused anyway), not for banned names (`self.multinomial`)."""
    classes = _plain_classes(tree) if plain_only else _honest_classes(tree)
    self_args = _method_self_args(tree, classes)
    instances = _own_value_targets(tree, classes | _sibling_loaders(tree))
    file = FileBindings.of(tree, local_modules)
    own: set[str] = set()
    other: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            (own if _faithfully_decorated(node, file) else other).add(node.name)
        elif isinstance(node, ast.arg):
            (own if id(node) in self_args else other).add(node.arg)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            (own if id(node) in instances else other).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for name, is_own in _import_bindings(node, local_modules, definitions):
                (own if is_own else other).add(name)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            other.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            other.add(node.rest)
    return frozenset(own - other)


def rebound_names(tree: ast.AST) -> frozenset[str]:
    """Names bound by something other than an import or an alias (`G = torch.nn.functional`):
    a parameter `torch` or `F = [F][0]` means the name may not be the library it looks like."""
    other: set[str] = set()
    alias_targets = {id(t) for node in _walk(tree) if isinstance(node, ast.Assign) and _dotted(node.value)
                     for t in node.targets if isinstance(t, ast.Name)}
    for node in _walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            other.add(node.name)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and id(node) not in alias_targets:
            other.add(node.id)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            other.add(node.name)
    return frozenset(other)


def imported_names(tree: ast.AST) -> set[str]:
    """Names the file's imports bind."""
    return {(a.asname or a.name).split(".")[0] for node in _walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom)) for a in node.names}


def bound_names(tree: ast.AST) -> set[str]:
    """Names the file binds itself in any way (its own `def getattr` is not the builtin)."""
    bound: set[str] = set()
    for node in _walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


# -- the scan -----------------------------------------------------------------------------------

class _Scanner(ast.NodeVisitor):
    def __init__(self, display: str, spec: BannedSpec, policy: ImportPolicy, local_modules: set[str],
                 tree: ast.AST, definitions: Callable[[str], frozenset[str]]):
        self.display = display
        self.spec = spec
        self.policy = policy
        self.local_modules = local_modules
        self.aliases: dict[str, str] = {}  # name -> the library path it stands for
        self.own = own_names(tree, local_modules, definitions)  # for banned names
        self.own_loosely = own_names(tree, local_modules, definitions, plain_only=False)  # for the rest
        self.defined_attrs = defined_attributes(tree)
        self.plain_methods = plain_class_methods(tree)
        self.bound = bound_names(tree)
        self.imported = imported_names(tree)
        self.rebound = rebound_names(tree)
        self.sealed = sealed_classes(tree, self.own, local_modules)
        self.banned_attrs = banned_attribute_names(spec)
        self.violations: list[Violation] = []
        self.imported_local: set[str] = set()
        self._seen: set[tuple] = set()
        self._approved: set[int] = set()  # ids of Name nodes already judged as a call
        self._calls: dict[int, ast.Call] = {}  # id of a called expression -> its call
        self._class_bases: dict[str, list[ast.AST]] = {}
        for n in _walk(tree):
            if isinstance(n, ast.ClassDef):
                self._class_bases.setdefault(n.name, []).extend(n.bases)
        self._parents = {id(child): parent for parent in _walk(tree) for child in ast.iter_child_nodes(parent)}
        self._decorators = {id(d) for n in _walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                           ast.ClassDef)) for d in n.decorator_list}

    # -- the closed world --------------------------------------------------------
    def visit(self, node: ast.AST):
        """Every node is looked up in grader/policy/constructs.py first: a refused construct, or
        one the checks do not know (a newer Python's), is a violation, never passed."""
        kind = type(node).__name__
        refusal = REFUSED.get(kind)
        if refusal is not None:
            self.forbid(refusal.label, node, refusal.why)
            return None
        if kind not in JUDGED:
            self.forbid(f"ast.{kind}", node, UNKNOWN)
            return None
        return super().visit(node)

    # -- recording ---------------------------------------------------------------
    def add(self, api: str, node: ast.AST | None, how: str, kind: str = "banned") -> None:
        line = getattr(node, "lineno", 0)
        key = (api, line, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.violations.append(Violation(api, self.display, line, how, kind))

    def forbid(self, api: str, node: ast.AST | None, how: str) -> None:
        self.add(api, node, how, "forbidden")

    # -- resolution --------------------------------------------------------------
    def resolve(self, parts: list[str] | None) -> str | None:
        if not parts or parts[0] not in self.aliases:
            return None
        return ".".join([self.aliases[parts[0]], *parts[1:]])

    def resolve_node(self, node: ast.AST | None) -> str | None:
        return self.resolve(_dotted(node)) if node is not None else None

    def is_own(self, node: ast.AST | None) -> bool:
        return isinstance(node, ast.Name) and node.id in self.own

    def banned_public(self, path: str) -> str | None:
        public = self.spec.public_name_for_path(path)
        parts = path.split(".")
        if public is None and path.startswith("torch.ops.aten.") and len(parts) > 3:
            public = self.spec.aten.get(parts[3])
        if public is None:
            obj = resolve_loaded(path)
            if obj is not _MISSING:
                public = self.spec.public_name_for_object(obj)
        return public

    def check_path(self, path: str, node: ast.AST, how: str) -> bool:
        """Flag a library path that is banned, private, denied, or a module outside the
        policy (`torch.sys`). True if flagged."""
        public = self.banned_public(path)
        if public is not None:
            self.add(public, node, f"{how}, as {path}" if public != path and path.startswith("torch") else how)
            return True
        parts = path.split(".")
        for i, part in enumerate(parts):
            if _is_private(part):
                self.forbid(".".join(parts[: i + 1]), node, "private library internals can bypass the checks")
                return True
        obj = resolve_loaded(path) if "." in path else _MISSING
        denial = self.policy.denial(path) or denied_objects(self.policy).get(id(obj))
        if denial is not None:
            self.forbid(denial[0], node, denial[1])
            return True
        if isinstance(obj, types.ModuleType) and not self.policy.allows_module(obj.__name__):
            self.forbid(path, node, f"reaches the module {obj.__name__}, which solutions may not import")
            return True
        home = _defining_module(obj)
        denial = self.policy.denial(home) if home else None
        if denial is not None and not isinstance(obj, types.ModuleType):
            self.forbid(path, node, f"is {home}'s, re-exported: {denial[1]}")
            return True
        return False

    def check_module(self, module: str, node: ast.AST) -> bool:
        """Judge an imported module; True if the import may bind names."""
        top = module.split(".")[0]
        if top in self.local_modules:
            self.imported_local.add(top)
            return True
        public = self.spec.public_name_for_path(module)
        if public is not None:
            self.add(public, node, "import")
            return False
        if not self.policy.allows_module(module):
            if not self.check_path(module, node, "import"):
                self.forbid(f"import {module}", node,
                            f"solutions may import only {self.policy.allowed_list} and workspace files")
            return False
        return not self.check_path(module, node, "import")

    def check_attribute(self, base: ast.AST | None, attr: str, node: ast.AST, store: bool = False) -> None:
        """The rules on an attribute name, whatever object it is read from."""
        own = isinstance(base, ast.Name) and base.id in self.own_loosely
        root = _dotted(base) if base is not None else None
        # A library base is judged by its path (check_path); a name that is also rebound
        # (a parameter called torch) gets the name rules as well.
        library = self.resolve(root) if root and root[0] not in self.rebound else None
        if _is_dunder(attr):
            if attr not in ALLOWED_DUNDER_ATTRS:
                self.forbid(attr, node, "dunder attributes reach interpreter internals")
            return
        if attr in ISINSTANCE_ROUTES and not (own and attr in self.defined_attrs):
            self.forbid(attr, node, f"`.{attr}` makes isinstance say yes for another class (a virtual subclass), so "
                        "a stranger's object could pass for your own")
            return
        if attr in INTERNAL_ATTRS and not (own and (attr in OWN_INTERNAL_ATTRS or attr in self.defined_attrs)):
            self.forbid(attr, node, "leads to interpreter internals (fine only as an attribute your own code defines)")
            return
        if attr in ROUTE_ATTRS and library is None and not (own and attr in self.defined_attrs):
            self.forbid(attr, node, "leads around the checks (fine only as an attribute your own code defines)")
            return
        if library is None and _is_private(attr):
            if not own:
                self.forbid(attr, node, "a private attribute of an object that is not your own")
                return
            if attr in library_private_names():
                self.forbid(attr, node, "a private name of torch or the interpreter, even on your own object "
                            "(rename it)")
                return
        if library is None and not self.is_own(base) and attr in self.banned_attrs:
            self.add(self.banned_attrs[attr], node,
                     f"`.{attr}` on an object the checks cannot trace is taken to be the banned API")
            return
        if store and library is not None and library.split(".")[0] not in self.local_modules:
            self.forbid(f"{library}.{attr}", node, "assigning to a library's attribute patches it for the grader too")
        elif store and library is None and not self.is_own(base) and attr in library_function_names():
            self.forbid(attr, node, f"assigning `.{attr}` on an object the checks cannot trace may patch "
                        "a library function for the grader too")

    # -- visitors ----------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not self.check_module(alias.name, node):
                continue
            top = alias.name.split(".")[0]
            if top in self.local_modules:
                continue
            self.aliases[alias.asname or top] = alias.name if alias.asname else top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.forbid("relative import", node, "import workspace files by name")
            return
        module = node.module or ""
        if not self.check_module(module, node) or module.split(".")[0] in self.local_modules:
            return
        for alias in node.names:
            if alias.name == "*":
                self.forbid(f"from {module} import *", node, "star imports hide which APIs are used")
                continue
            full = f"{module}.{alias.name}"
            if self.check_path(full, node, "import"):
                continue
            if _is_dunder(alias.name) or alias.name in INTERNAL_ATTRS:
                self.check_attribute(None, alias.name, node)  # `from torch import __builtins__`
                continue
            self.aliases[alias.asname or alias.name] = full

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        resolved = self.resolve(_dotted(node.value))
        if resolved is None:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.aliases[target.id] = resolved

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.check_attribute(node.value, node.attr, node, store=not isinstance(node.ctx, ast.Load))
        if node.attr in FORMAT_METHODS:
            self.check_format(node.value, node.attr, node)
        if isinstance(node.ctx, ast.Load):
            self.explicit_self(node)
        resolved = self.resolve(_dotted(node))
        if resolved is not None and self.check_path(resolved, node, "attribute"):
            return  # the longest path says it best: torch._C._nn.gelu is the banned gelu
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if _is_dunder(node.id) and node.id not in ALLOWED_DUNDER_NAMES:
            self.forbid(node.id, node, "reaches interpreter internals")
        elif node.id in FORBIDDEN_CALLS and id(node) not in self._approved and node.id not in self.bound:
            # `g = getattr` then `g(F, name)`: the builtin escapes as a value.
            self.forbid(f"{node.id}()", node, FORBIDDEN_CALLS[node.id])
        elif node.id == "type" and id(node) not in self._approved and self.is_builtin(node.id) and \
                not self.in_isinstance(node):
            self.forbid("type", node, "`type` as a value can build classes (type(name, bases, namespace)) "
                        "the checks cannot see")

    def is_builtin(self, name: str) -> bool:
        """Whether `name` is still the builtin: the file binds it in no way."""
        return name not in self.bound and name not in self.imported

    def in_isinstance(self, node: ast.AST) -> bool:
        """`isinstance(y, type(x))` or `isinstance(c, type)`: a class used only as a test."""
        parent = self._parents.get(id(node))
        return isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and \
            parent.func.id in ("isinstance", "issubclass") and node in parent.args[1:]

    def class_methods_of(self, base: ast.AST) -> frozenset[str]:
        """The instance methods `base.<name>` would fetch unbound: `A.` for the file's class A,
        `type(x).` for any of its classes."""
        if isinstance(base, ast.Name) and base.id in self.own_loosely and base.id in self.plain_methods:
            return self.plain_methods[base.id]
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "type":
            return frozenset().union(*self.plain_methods.values())
        return frozenset()

    def explicit_self(self, node: ast.Attribute) -> None:
        """`A.method(F)`, `f = A.method` or `type(a).method(F)`: the learner's method with a
        stranger as `self`, so `self.gelu` in it would be F.gelu. `A.method(a)` with an own
        object (`Base.forward(self, x)`) is fine."""
        if node.attr not in self.class_methods_of(node.value) or _is_dunder(node.attr):
            return
        call = self._calls.get(id(node))
        if call is not None and call.args and isinstance(call.args[0], ast.Name) and \
                call.args[0].id in self.own_loosely:
            return
        self.forbid(f".{node.attr}()", node, "a method taken from its class, so `self` can be any object: "
                    "call it on an instance")

    def visit_Call(self, node: ast.Call) -> None:
        self._calls[id(node.func)] = node
        func = node.func
        if isinstance(func, ast.Name) and func.id == "type" and self.is_builtin("type"):
            self._approved.add(id(func))
            self.check_type_call(node)
        if self.is_enum_class(func) and (len(node.args) >= 2 or any(k.arg in ("names", None) for k in node.keywords)):
            self.forbid("Enum(name, names)", node, "the functional Enum API builds a class from a namespace (any "
                        "dunder included) the checks cannot see: write a class statement")
        if self.resolve_node(func) == "functools.wraps" and id(node) not in self._decorators and not (
                node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in self.own_loosely):
            self.forbid("functools.wraps", node, "wraps copies the attributes of what it wraps onto your function: "
                        "use it only as a decorator, or on your own functions")
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS and func.id not in self.bound:
            self._approved.add(id(func))
            if not self.constant_getattr(node):
                self.forbid(f"{func.id}()", node, FORBIDDEN_CALLS[func.id])
        self.generic_visit(node)

    def is_enum_class(self, func: ast.AST, depth: int = 0) -> bool:
        """An enum class of the library, or of the file (a class on one)."""
        if self.resolve_node(func) in ENUM_CLASSES:
            return True
        if isinstance(func, ast.Name) and func.id in self._class_bases and depth < 8:
            return any(self.is_enum_class(base, depth + 1) for base in self._class_bases[func.id])
        return False

    def check_type_call(self, node: ast.Call) -> None:
        """`type(x)` is fine where it is used in place; `type(name, bases, ns)`, `type(*parts)`
        and a metaclass taken out as a value (`M = type(A)`, then `M(name, bases, ns)`) build
        classes with any dunder the checks cannot see."""
        if not (len(node.args) == 1 and not isinstance(node.args[0], ast.Starred) and not node.keywords):
            self.forbid("type() with other than one argument", node,
                        "builds a class (with any dunder) the checks cannot see")
            return
        parent = self._parents.get(id(node))
        if isinstance(parent, (ast.Attribute, ast.Compare, ast.FormattedValue)) or self.in_isinstance(node):
            return
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and \
                parent.func.id in TYPE_CONSUMERS and self.is_builtin(parent.func.id):
            return  # print(type(x)), str(type(x)): shown, never called
        if isinstance(parent, ast.Call) and parent.func is node and len(parent.args) <= 1 and not parent.keywords \
                and not any(isinstance(a, ast.Starred) for a in parent.args):
            return
        self.forbid("type(...) as a value", node, "the class type() returns may be a metaclass, which builds "
                    "classes the checks cannot see: use it in place (type(x).name, type(x) is T, "
                    "isinstance(y, type(x)), type(x)(v))")

    def check_format(self, base: ast.AST, attr: str, node: ast.AST) -> None:
        """`template.format(obj)` reads `obj.a.b[k]` for a field `{0.a.b[k]}`: the template must
        be a constant string whose fields are plain (`{}`, `{0}`, `{name}`, nested specs too).
        `node` is the attribute read (or the constant getattr) whose call, if any, fills it."""
        if isinstance(base, ast.Name) and base.id in self.own_loosely and attr in self.defined_attrs:
            return  # the learner's own method named format
        root = _dotted(base)
        library = self.resolve(root) if root and root[0] not in self.rebound else None
        if library is not None and isinstance(resolve_loaded(library), types.ModuleType):
            return  # a module's attribute `format` (`np.lib.format`): judged as a path by check_path
        template: ast.AST | None = base
        if isinstance(base, ast.Name) and base.id == "str" and self.is_builtin("str"):
            call = self._calls.get(id(node))
            template = call.args[0] if call is not None and call.args and \
                not isinstance(call.args[0], ast.Starred) else None
        text = _const_str(template) if template is not None else None
        if attr == "vformat" or text is None:
            self.forbid(f".{attr}()", node, "a format template the checks cannot read can read any attribute "
                        "of its arguments (`{0.name}`): write the template as a constant string, or use an f-string")
            return
        field = unsafe_format_field(text)
        if field is not None:
            self.forbid(f"format field {{{field}}}", node, "a format field with `.name` or `[key]` reads "
                        "attributes or items of its argument out of the checks' view: use an f-string, where "
                        "they are visible")

    def constant_getattr(self, node: ast.Call) -> bool:
        """`getattr(obj, "name")` with a constant name is an attribute read: judge it as one."""
        if not (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2):
            return False
        name = _const_str(node.args[1])
        if name is None or not name.isidentifier():
            return False
        self.check_attribute(node.args[0], name, node)
        if name in FORMAT_METHODS:
            self.check_format(node.args[0], name, node)
        base = self.resolve_node(node.args[0])
        if base is not None:
            self.check_path(f"{base}.{name}", node, "getattr")
        return True

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in FORBIDDEN_DEFINITIONS:
            self.forbid(node.name, node, FORBIDDEN_DEFINITIONS[node.name])
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:  # the one async construct that is a flag, not a node type
            refusal = REFUSED["AsyncFor"]
            self.forbid(refusal.label, self._parents.get(id(node)), refusal.why)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id == "type" and self.is_builtin("type"):
                self._approved.add(id(base))
                self.forbid("a metaclass", node, "a class on `type` is a metaclass: it decides what classes and "
                            "their instances are, out of the checks' view")
        self.generic_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        """A class pattern is an isinstance test plus attribute reads on the subject:
        `case C(gelu=g)` reads `.gelu`; `case C(g)` reads the name C.__match_args__ gives,
        which only a sealed class of the file or a self-matching builtin pins down (an ABC's
        register or __subclasshook__ would let any object through)."""
        sealed = isinstance(node.cls, ast.Name) and node.cls.id in self.sealed
        for attr in node.kwd_attrs:  # on a sealed class's instance, as on the learner's own object
            self.check_attribute(node.cls if sealed else None, attr, node)
        if node.patterns and not self.reads_own_fields(node.cls, len(node.patterns)):
            self.forbid(f"case {'.'.join(_dotted(node.cls) or ['...'])}(...)", node,
                        "positional sub-patterns read the attributes the class names in __match_args__, on any "
                        "object isinstance accepts: use them only with int, str, float, tuple, list, dict... (one "
                        "sub-pattern) or a class of your own file (a plain class or @dataclass, no ABC or "
                        "metaclass); else name the attributes (`case C(a=x)`)")
        self.generic_visit(node)

    def reads_own_fields(self, cls: ast.AST, count: int) -> bool:
        if not isinstance(cls, ast.Name):
            return False
        if cls.id in self.sealed:
            return True
        return count == 1 and cls.id in SELF_MATCHING_BUILTINS and self.is_builtin(cls.id)


# -- files and workspaces -------------------------------------------------------------------

def is_real_module(name: str, workspace: Path) -> bool:
    """A top-level module Python would find outside the workspace (namespace packages,
    which a file beats, do not count)."""
    if name in sys.stdlib_module_names or name in sys.builtin_module_names:
        return True
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if found is None or found.origin in (None, "namespace"):
        return False
    return Path(found.origin).resolve().parent not in (workspace, workspace / name)


def workspace_files(workspace: Path) -> set[str]:
    """Module names of the workspace's top-level .py files: the learner's modules (a
    package's other files would go unscanned, so a package is not one)."""
    return {p.stem for p in workspace.glob("*.py") if p.stem.isidentifier()}


def workspace_modules(workspace: Path) -> set[str]:
    """Names a workspace file or package answers to when imported."""
    packages = {p.parent.name for p in workspace.glob("*/__init__.py") if p.parent.name.isidentifier()}
    return workspace_files(workspace) | packages


def shadowed_modules(workspace: Path) -> list[str]:
    """Workspace modules that would replace a real module: refused, and never the learner's."""
    return sorted(name for name in workspace_modules(workspace) if is_real_module(name, workspace))


def shadowing_violation(name: str, workspace: Path) -> Violation:
    shown = f"{name}.py" if (workspace / f"{name}.py").exists() else f"{name}/"
    return Violation(shown, shown, 0, f"a workspace file named like the module `{name}` replaces it for "
                     "your code and hides what it does: rename it", "forbidden")


def _parse(source: str, display: str) -> tuple[ast.AST | None, SyntaxError | None, list[Violation]]:
    try:
        return ast.parse(source, filename=display), None, []
    except SyntaxError as exc:
        return None, exc, []
    except (RecursionError, MemoryError):
        return None, None, [Violation(NESTING, display, 0, "the file nests deeper than the checks can follow",
                                      "forbidden")]


def _scan_tree(tree: ast.AST, display: str, spec: BannedSpec, policy: ImportPolicy,
               local_modules: set[str], definitions: Callable[[str], frozenset[str]] = lambda m: frozenset()) -> _Scanner:
    scanner = _Scanner(display, spec, policy, local_modules, tree, definitions)  # ast.walk: any depth
    try:
        scanner.visit(tree)
    except RecursionError:
        scanner.forbid(NESTING, None, "the file nests deeper than the checks can follow")
    return scanner


@dataclass
class ScanBudget:
    """What one scan (a file and the workspace files it imports) may read: the scan runs in
    the grader's own process, outside every limit of the sandbox, and costs about 35 s per
    MiB of dense code (parsing alone 5 s): 128 helper modules of 1 MiB held a check, a
    class's grading worker or the Gradescope autograder for over an hour. The largest
    reference is 3,700 syntax nodes and 15 KiB."""

    bytes_left: int = 512 * 1024
    nodes_left: int = 100_000

    def take_bytes(self, path: Path) -> bool:
        try:
            size = path.stat().st_size
        except OSError:
            return True  # reading it fails on its own
        self.bytes_left -= size
        return self.bytes_left >= 0

    def take_nodes(self, tree: ast.AST) -> bool:
        self.nodes_left -= sum(1 for _ in ast.walk(tree))
        return self.nodes_left >= 0


TOO_LARGE = "too large to check"


def too_large(display: str) -> Violation:
    budget = ScanBudget()
    return Violation(TOO_LARGE, display, 0, f"the file and the workspace files it imports are larger than the checks "
                     f"read ({budget.bytes_left // 1024} KiB, {budget.nodes_left} syntax nodes in all)", "forbidden")


def workspace_definitions(workspace: Path, budget: ScanBudget | None = None) -> Callable[[str], frozenset[str]]:
    """What each workspace module defines by def or class, read once per scan (within the
    scan's budget: nothing is parsed past it)."""

    @functools.lru_cache(maxsize=None)
    def definitions(module: str) -> frozenset[str]:
        path = workspace / f"{module}.py"
        if budget is not None and not budget.take_bytes(path):
            return frozenset()
        try:
            return top_level_definitions(ast.parse(path.read_text(encoding="utf-8", errors="replace")))
        except (OSError, SyntaxError, RecursionError, MemoryError, ValueError):
            return frozenset()

    return definitions


def scan_file(path: Path, spec: BannedSpec, workspace: Path | None = None,
              _visited: set[Path] | None = None, *,
              policy: ImportPolicy | None = None, _budget: ScanBudget | None = None,
              _definitions: Callable[[str], frozenset[str]] | None = None) -> tuple[list[Violation], SyntaxError | None]:
    """Scan one learner file and the workspace files it imports, within one ScanBudget."""
    policy = policy or DEFAULT_POLICY
    path = Path(path).resolve()
    top_level = _visited is None
    visited = _visited if _visited is not None else set()
    if path in visited:
        return [], None
    visited.add(path)
    workspace = Path(workspace).resolve() if workspace else path.parent
    budget = _budget if _budget is not None else ScanBudget()
    definitions = _definitions or workspace_definitions(workspace, budget)
    shadowed = shadowed_modules(workspace)
    local_modules = workspace_files(workspace) - set(shadowed)
    display = path.name if path.parent == workspace else str(path)
    if not budget.take_bytes(path):
        return [too_large(display)], None
    tree, syntax, violations = _parse(path.read_text(encoding="utf-8", errors="replace"), display)
    if top_level:
        violations = [shadowing_violation(name, workspace) for name in shadowed] + violations
    if tree is None:
        return violations, syntax
    if not budget.take_nodes(tree):
        return violations + [too_large(display)], None
    scanner = _scan_tree(tree, display, spec, policy, local_modules - {path.stem}, definitions)
    violations.extend(scanner.violations)
    for name in sorted(scanner.imported_local):
        sub, _ = scan_file(workspace / f"{name}.py", spec, workspace, visited, policy=policy, _budget=budget,
                           _definitions=definitions)
        violations.extend(sub)
    return violations, None


def scan_source(source: str, spec: BannedSpec, display: str = "<notebook>", *,
                policy: ImportPolicy | None = None) -> tuple[list[Violation], SyntaxError | None]:
    """Scan source text that has no workspace (a notebook's collected cells)."""
    tree, syntax, violations = _parse(source, display)
    if tree is None:
        return violations, syntax
    return violations + _scan_tree(tree, display, spec, policy or DEFAULT_POLICY, set()).violations, None
