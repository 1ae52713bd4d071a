"""The intermediate values of one run of trusted code: every value bound to a local of a
function of the reference's folder (each rebinding kept: `scores` before and after it is
scaled are two values).

A formula in a hint or the statement can then be compared with what the reference (or a
known mistake) actually computed on the same case, not only with its output. Trusted code
only (the reference, its mistakes): it runs in this process under `sys.settrace`.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
from contextlib import contextmanager
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from ..course.cases import Case
from ..course.loader import Problem
from ..verdict.inprocess import run_in_process

MAX_KEPT_NUMEL = 2_000_000  # larger tensors are not kept (a formula is about small things)
MAX_KEPT_VALUES = 20_000  # per run: a long loop keeps its first values only


@dataclass(frozen=True)
class Frame:
    function: str
    values: dict  # name -> tensor or number, as the frame ended
    history: tuple  # (name, value) of every binding seen, in order


@dataclass
class Trace:
    frames: list[Frame] = field(default_factory=list)  # in the order they returned
    output: object = None

    def named(self, name: str) -> list:
        return [v for f in self.frames for n, v in f.history if n == name]

    def every_value(self) -> list[tuple[str, str, object]]:
        """(function, name, value) of every binding kept, and the output as ("", "output", value)."""
        out = [(f.function, n, v) for f in self.frames for n, v in f.history]
        value = self.output.get("output") if isinstance(self.output, dict) else self.output
        if value is not None:
            out.append(("", "output", value))
        return out


def _kept(value):
    if isinstance(value, torch.Tensor):
        if value.numel() > MAX_KEPT_NUMEL or value.is_complex() or value.layout != torch.strided:
            return None
        return value.detach().clone()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def trace_run(problem: Problem, probe, fn: Callable, case: Case, folders: list[Path]) -> Trace:
    """Run `fn` on the case through the probe and keep the locals of each frame in `folders`."""
    roots = [str(f.resolve()) for f in folders]
    inside: dict[str, bool] = {}
    trace = Trace()

    def ours(filename: str) -> bool:
        if filename not in inside:
            try:
                resolved = str(Path(filename).resolve())
            except (OSError, ValueError):
                resolved = filename
            inside[filename] = any(resolved.startswith(r + "/") for r in roots)
        return inside[filename]

    seen: dict[int, dict[str, int]] = {}  # frame id -> name -> id of the value last kept
    history: dict[int, list] = {}
    budget = [MAX_KEPT_VALUES]

    def note(frame) -> None:
        last, kept_here = seen.setdefault(id(frame), {}), history.setdefault(id(frame), [])
        for name, value in frame.f_locals.items():
            if last.get(name) == id(value) or budget[0] <= 0:
                continue
            last[name] = id(value)
            kept = _kept(value)
            if kept is not None:
                kept_here.append((name, kept))
                budget[0] -= 1

    def local(frame, event, arg):
        if event in ("line", "return"):
            note(frame)
        if event == "return":
            kept_here = history.pop(id(frame), [])
            seen.pop(id(frame), None)
            final = {}
            for name, value in kept_here:
                final[name] = value
            trace.frames.append(Frame(frame.f_code.co_name, final, tuple(kept_here)))
        return local

    def calls(frame, event, arg):
        if event == "call" and ours(frame.f_code.co_filename):
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trace.output = run_in_process(problem, probe, fn, case)
    finally:
        sys.settrace(previous)
    return trace


# --------------------------------------------------------------------------- every sub-expression
RECORDER = "__grader_record__"
RECORDED = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript)


class _Wrap(ast.NodeTransformer):
    """Every arithmetic, call and subscript read becomes `__grader_record__(<it>)`."""

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if isinstance(node, RECORDED) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return ast.copy_location(ast.Call(ast.Name(RECORDER, ast.Load()), [node], []), node)
        return node


def _codes(module_code) -> dict[str, object]:
    """{qualified name: code} of the functions a module's code defines (top level and in classes)."""
    out = {}

    def walk(code, prefix):
        for const in code.co_consts:
            if hasattr(const, "co_code"):
                name = f"{prefix}{const.co_name}"
                out.setdefault(name, const)
                if not const.co_varnames or const.co_name[:1].isupper():
                    walk(const, name + ".")  # a class body: its methods
    walk(module_code, "")
    return out


def _functions(module) -> list[tuple[str, object]]:
    """(qualified name, function) of what the module defines itself, methods of its classes included."""
    out = []
    for name, obj in vars(module).items():
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            out.append((obj.__qualname__, obj))
        elif inspect.isclass(obj) and obj.__module__ == module.__name__:
            out.extend((f.__qualname__, f) for f in vars(obj).values() if inspect.isfunction(f))
    return out


def _modules_in(folder: Path) -> list:
    """The loaded modules whose file is directly in `folder` (siblings of the reference)."""
    names = {str(folder), str(folder.resolve())}
    out = []
    for module in list(sys.modules.values()):
        where = getattr(module, "__file__", None)
        if not isinstance(where, str):
            continue
        parent = os.path.dirname(where)
        if parent in names or (os.path.basename(parent) == folder.name and os.path.realpath(parent) in names):
            out.append(module)
    return out


def _recording_codes(path: Path) -> dict[str, object]:
    """The file's functions compiled with every intermediate recorded (kept per file content)."""
    source = path.read_text(encoding="utf-8")
    key = (str(path), source)
    if key not in _COMPILED:
        tree = _Wrap().visit(ast.parse(source, filename=str(path)))
        _COMPILED.clear() if len(_COMPILED) > 64 else None
        _COMPILED[key] = _codes(compile(ast.fix_missing_locations(tree), str(path), "exec"))
    return _COMPILED[key]


_COMPILED: dict[tuple[str, str], dict[str, object]] = {}


@contextmanager
def recording(problem: Problem, values: list):
    """While inside, the functions of the reference and of the modules it loaded from its
    folder run as compiled again with every arithmetic, call and subscript recorded in
    `values` (so a value never bound to a name is seen too). Their code is put back after."""
    modules = [problem.reference] + _modules_in(problem.reference_path.parent)
    budget = [MAX_KEPT_VALUES]

    def record(value):
        if budget[0] > 0:
            kept = _kept(value)
            if kept is not None:
                values.append(kept)
                budget[0] -= 1
        return value

    swapped = []
    try:
        for module in dict.fromkeys(modules):
            codes = _recording_codes(Path(module.__file__))
            vars(module)[RECORDER] = record
            for name, fn in _functions(module):
                new = codes.get(name)
                if new is not None and new.co_freevars == fn.__code__.co_freevars:
                    swapped.append((fn, fn.__code__))
                    fn.__code__ = new
        yield
    finally:
        for fn, code in swapped:
            fn.__code__ = code
        budget[0] = 0  # a recorder left in a module's globals keeps nothing more
