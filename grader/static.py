"""Static scan of learner code for banned APIs and for ways around the run-time guard.

Names are resolved through imports and simple assignments to dotted paths
(`F.gelu` -> `torch.nn.functional.gelu`), then matched against the banned spec by path
and by object identity, so `torch._C._nn.gelu` is the same ban as `F.gelu`. A learner's
own `def gelu` is a bare name and never flagged. Imports are checked against an
allow-list: a solution needs torch, math and a few standard helpers, and everything
that could blind the guard (threads, ctypes, importlib, private torch internals,
frame inspection) is refused with the file and line.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

from .banned import BannedSpec, resolve_dotted
from .violations import Violation

ALLOWED_MODULES = {
    "torch", "math", "numpy", "typing", "typing_extensions", "functools", "itertools",
    "collections", "dataclasses", "abc", "numbers", "enum", "__future__", "operator",
    "cmath", "statistics", "einops",
}
# Parts of torch that switch off or reach around the guard.
FORBIDDEN_TORCH = {
    "torch.ops": "torch.ops reaches kernels directly",
    "torch.overrides": "torch.overrides can switch off the run-time checks",
    "torch.library": "torch.library registers kernels",
    "torch.utils._python_dispatch": "private dispatch machinery",
    "torch.multiprocessing": "solutions run in one process",
    "torch.hub": "no downloads",
}
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
}
FORBIDDEN_ATTRS = {
    "__dict__", "__globals__", "__builtins__", "__subclasses__", "__bases__", "__mro__",
    "__code__", "__closure__", "__traceback__", "__getattribute__", "__import__",
    "__loader__", "__spec__", "__self__", "__func__", "__wrapped__", "__reduce__",
    "__reduce_ex__", "__setattr__", "__delattr__", "__torch_function__", "__torch_dispatch__",
    "f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame",
    "ag_frame", "f_code", "__getattr__",
}
# Like getattr, these reach attributes by a name held in a string.
FORBIDDEN_FUNCTIONS = {
    "operator.attrgetter": "attrgetter reaches attributes by name, like getattr",
    "operator.methodcaller": "methodcaller reaches methods by name, like getattr",
}
FORBIDDEN_NAMES = {"__builtins__", "__import__", "__loader__", "__spec__"}


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
            if isinstance(value, ast.FormattedValue):
                inner = _const_str(value.value)
                if inner is None:
                    return None
                out.append(inner)
            else:
                piece = _const_str(value)
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


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: Path, display: str, spec: BannedSpec, local_modules: set[str]):
        self.path = path
        self.display = display
        self.spec = spec
        self.local_modules = local_modules
        self.aliases: dict[str, str] = {}
        self.violations: list[Violation] = []
        self.imported_local: set[str] = set()
        self._seen: set[tuple] = set()
        self._approved: set[int] = set()  # ids of Name nodes already judged as a call
        self.bound: set[str] = set()  # names the file binds itself (its own `def getattr` is its own)

    # -- recording ---------------------------------------------------------------
    def add(self, api: str, node: ast.AST, how: str, kind: str = "banned") -> None:
        key = (api, getattr(node, "lineno", 0), kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.violations.append(Violation(api, self.display, getattr(node, "lineno", 0), how, kind))

    # -- resolution --------------------------------------------------------------
    def resolve(self, parts: list[str]) -> str | None:
        head = parts[0]
        if head not in self.aliases:
            return None
        return ".".join([self.aliases[head], *parts[1:]])

    def check_path(self, path: str, node: ast.AST, how: str) -> bool:
        """Flag a resolved dotted path that is banned or forbidden. True if flagged."""
        public = self.spec.public_name_for_path(path)
        parts = path.split(".")
        if public is None and path.startswith("torch.ops.aten.") and len(parts) > 3:
            public = self.spec.aten.get(parts[3])
        if public is None:
            try:
                obj = resolve_dotted(path)
            except Exception:
                obj = None
            if obj is not None:
                public = self.spec.public_name_for_object(obj)
        if public is not None:
            if public != path and path.startswith("torch"):
                how = f"{how}, as {path}"
            self.add(public, node, how)
            return True
        if path.startswith("torch."):
            parts = path.split(".")
            for i, part in enumerate(parts[1:], start=1):
                if part.startswith("_") and not part.startswith("__"):
                    self.add(".".join(parts[: i + 1]), node,
                             "private torch internals can bypass the checks", "forbidden")
                    return True
        for prefix, why in FORBIDDEN_TORCH.items():
            if path == prefix or path.startswith(prefix + "."):
                self.add(prefix, node, why, "forbidden")
                return True
        for prefix, why in FORBIDDEN_FUNCTIONS.items():
            if path == prefix:
                self.add(prefix, node, why, "forbidden")
                return True
        if "." in path:
            # torch.sys, torch.os, F.warnings: modules re-exported by allowed ones.
            try:
                obj = resolve_dotted(path)
            except Exception:
                obj = None
            if isinstance(obj, types.ModuleType) and obj.__name__.split(".")[0] not in ALLOWED_MODULES:
                self.add(path, node, f"reaches the module {obj.__name__}, which solutions may not import", "forbidden")
                return True
        return False

    def check_module(self, module: str, node: ast.AST) -> bool:
        top = module.split(".")[0]
        if top in self.local_modules:
            self.imported_local.add(top)
            return True
        if top not in ALLOWED_MODULES:
            self.add(f"import {module}", node, "only torch, math and standard helpers may be imported", "forbidden")
            return False
        return not self.check_path(module, node, "import")

    # -- visitors ----------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if self.check_module(alias.name, node):
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.add("relative import", node, "import workspace files by name", "forbidden")
            return
        module = node.module or ""
        if not self.check_module(module, node):
            return
        if module.split(".")[0] in self.local_modules:
            return
        for alias in node.names:
            if alias.name == "*":
                self.add(f"from {module} import *", node, "star imports hide which APIs are used", "forbidden")
                continue
            full = f"{module}.{alias.name}"
            if not self.check_path(full, node, "import"):
                self.aliases[alias.asname or alias.name] = full

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        parts = _dotted(node.value)
        if parts is None:
            return
        resolved = self.resolve(parts)
        if resolved is None:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.aliases[target.id] = resolved

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FORBIDDEN_ATTRS:
            self.add(node.attr, node, "reaches interpreter internals", "forbidden")
        parts = _dotted(node)
        if parts is not None:
            resolved = self.resolve(parts)
            if resolved is not None:
                # Longest first: torch._C._nn.gelu is reported as the banned gelu.
                for i in range(len(parts), 1, -1):
                    if self.check_path(".".join([self.aliases[parts[0]], *parts[1:i]]), node, "attribute"):
                        return
                return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_NAMES:
            self.add(node.id, node, "reaches interpreter internals", "forbidden")
        elif node.id in FORBIDDEN_CALLS and id(node) not in self._approved and node.id not in self.bound:
            # `g = getattr` then `g(F, name)`: the builtin escapes as a value.
            self.add(f"{node.id}()", node, FORBIDDEN_CALLS[node.id], "forbidden")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS and func.id not in self.bound:
            self._approved.add(id(func))
            if func.id == "getattr" and len(node.args) >= 2:
                name = _const_str(node.args[1])
                target = _dotted(node.args[0])
                resolved = self.resolve(target) if target else None
                if name is not None and resolved is not None:
                    if not self.check_path(f"{resolved}.{name}", node, "getattr"):
                        pass  # a constant getattr on an allowed API is harmless
                    self.generic_visit(node)
                    return
                if name is not None and resolved is None and not name.startswith("_"):
                    self.generic_visit(node)
                    return
            self.add(f"{func.id}()", node, FORBIDDEN_CALLS[func.id], "forbidden")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        # F.__dict__["gelu"] is caught by __dict__; vars(F)["gelu"] by vars.
        self.generic_visit(node)


def _bound_names(tree: ast.AST) -> set[str]:
    """Names the file defines itself: functions, classes, arguments, assignment targets."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


def scan_file(path: Path, spec: BannedSpec, workspace: Path | None = None,
              _visited: set[Path] | None = None) -> tuple[list[Violation], SyntaxError | None]:
    """Scan one learner file and the workspace modules it imports."""
    path = Path(path).resolve()
    visited = _visited if _visited is not None else set()
    if path in visited:
        return [], None
    visited.add(path)
    workspace = Path(workspace).resolve() if workspace else path.parent
    local_modules = {p.stem for p in workspace.glob("*.py")}
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        return [], exc
    display = path.name if path.parent == workspace else str(path)
    scanner = _Scanner(path, display, spec, local_modules - {path.stem})
    scanner.bound = _bound_names(tree)
    scanner.visit(tree)
    violations = list(scanner.violations)
    for name in sorted(scanner.imported_local):
        sub, _ = scan_file(workspace / f"{name}.py", spec, workspace, visited)
        violations.extend(sub)
    return violations, None


def scan_source(source: str, spec: BannedSpec, display: str = "<notebook>") -> tuple[list[Violation], SyntaxError | None]:
    try:
        tree = ast.parse(source, filename=display)
    except SyntaxError as exc:
        return [], exc
    scanner = _Scanner(Path(display), display, spec, set())
    scanner.bound = _bound_names(tree)
    scanner.visit(tree)
    return scanner.violations, None
