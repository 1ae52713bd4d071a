"""Checking a function defined in a notebook (or any Python session).

    from grader import check
    check("gelu", my_gelu)          # same cases, limits and banned-API checks as `grader check`

The function's source is read with `inspect`, together with what it relies on from the
caller's globals: the modules it names (`torch`, `F`, `math`), the helper functions and
classes defined in the notebook (their source, recursively) and simple constants. That
source is checked exactly like a file: static scan, then each case in the sandbox.

The sandbox in a session. `grader check` forks its zygote before loading any hidden
reference, so no child can find the reference in its memory. A notebook kernel is a
long-lived process that may already have run multi-threaded matmuls (a forked child of
such a process can hang in OpenMP) and loads the reference on the first check. So here
the zygote is *spawned*: a fresh interpreter (`python -m grader.sandbox.zygote`), started on the
first `check` call, before any reference is loaded in the kernel, and reused for every
later call. It never holds a reference or the kernel's state, and the kernel keeps its
thread settings. The first call pays for starting it (about 2 s); later calls cost what
`grader check` costs.

Honesty note: in a notebook the reference is loaded in the kernel itself (to compute
expected outputs), so a learner who wants to read it can. The sandbox still enforces the
limits and the banned APIs and keeps a crash or an endless loop out of the kernel; grading
that must be tamper-proof uses `grader check` on files (or the instructor's tools).
"""

from __future__ import annotations

import ast
import atexit
import builtins
import inspect
import os
import sys
import textwrap
import types
from dataclasses import fields
from pathlib import Path

from ..course.loader import Course
from ..verdict.results import Report
from ..sandbox.parent import Sandbox

_SANDBOX: Sandbox | None = None
SIMPLE_CONSTANTS = (int, float, complex, bool, str, bytes, type(None))


class SpawnedSandbox(Sandbox):
    """A sandbox whose zygote is a fresh interpreter rather than a fork of this process."""

    def __init__(self):
        super().__init__(spawn=True)


def session_sandbox() -> Sandbox:
    """The session's zygote, started once (before this call loads any reference)."""
    global _SANDBOX
    if _SANDBOX is None or _SANDBOX.pid is None:
        _SANDBOX = SpawnedSandbox()
        _SANDBOX.start()
        atexit.register(_SANDBOX.close)
    return _SANDBOX


# --------------------------------------------------------------------------- source
class SourceError(Exception):
    """The solution's source cannot be collected (a lambda, a built-in, no source)."""


def _names_in(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except (RecursionError, MemoryError):
        raise SourceError("the code is too deeply nested to check: split the expression into steps") from None
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            seen.setdefault(node.id, None)
    return list(seen)


def _import_line(name: str, value) -> str | None:
    """An import statement that binds `name` to `value` in a fresh module, if one does."""
    if isinstance(value, types.ModuleType):
        mod = value.__name__
        if name == mod:
            return f"import {mod}"
        return f"import {mod} as {name}"
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    candidates = [module] if module else []
    if module and module.startswith("torch._C"):
        candidates.append("torch")
    for mod in candidates:
        target = sys.modules.get(mod)
        if target is None or not qualname or "." in qualname or "<" in qualname:
            continue
        if getattr(target, qualname, None) is value:
            return f"from {mod} import {qualname}" + ("" if qualname == name else f" as {name}")
    for mod in ("torch", "torch.nn.functional", "math"):
        target = sys.modules.get(mod)
        if target is not None and getattr(target, name, None) is value:
            return f"from {mod} import {name}"
    return None


def _is_local(value, home: str) -> bool:
    return isinstance(value, (types.FunctionType, type)) and getattr(value, "__module__", None) == home


def collect_source(obj, entry: str | None = None) -> tuple[str, list[str]]:
    """(module source defining `obj` as `entry` with what it uses, warnings)."""
    if not isinstance(obj, (types.FunctionType, type)):
        raise SourceError(f"expected a function or a class, got {type(obj).__name__}")
    if getattr(obj, "__name__", "") == "<lambda>":
        raise SourceError("a lambda has no source of its own: define the function with `def`")
    home = obj.__module__
    env = getattr(obj, "__globals__", None) or vars(sys.modules.get(home, types.ModuleType(home)))
    imports: list[str] = []
    blocks: list[str] = []
    warnings: list[str] = []
    done: set[int] = set()

    def add(value, name):
        if id(value) in done:
            return
        done.add(id(value))
        try:
            src = textwrap.dedent(inspect.getsource(value))
        except (OSError, TypeError) as exc:
            raise SourceError(f"cannot read the source of `{name}` ({exc}); define it in a cell or a file")
        for dep in _names_in(src):
            if dep == getattr(value, "__name__", None) or dep not in env:
                continue
            dep_value = env[dep]
            if getattr(builtins, dep, object()) is dep_value:
                continue
            if _is_local(dep_value, home):
                add(dep_value, dep)
                if dep_value.__name__ != dep:
                    blocks.append(f"{dep} = {dep_value.__name__}\n")
            elif (line := _import_line(dep, dep_value)) is not None:
                if line not in imports:
                    imports.append(line)
            elif type(dep_value) in SIMPLE_CONSTANTS or (isinstance(dep_value, tuple) and
                                                          all(type(v) in SIMPLE_CONSTANTS for v in dep_value)):
                line = f"{dep} = {dep_value!r}\n"
                if line not in blocks:
                    blocks.insert(0, line)
            elif callable(dep_value) or isinstance(dep_value, (dict, list, set)) or hasattr(dep_value, "shape"):
                warnings.append(f"`{dep}` ({type(dep_value).__name__}) comes from your session and is not "
                                f"sent to the grader: define or compute it inside your code")
        blocks.append(src if src.endswith("\n") else src + "\n")

    add(obj, obj.__name__)
    if entry and obj.__name__ != entry:
        blocks.append(f"{entry} = {obj.__name__}\n")
    source = "\n".join(imports) + ("\n\n" if imports else "") + "\n\n".join(blocks)
    return source, warnings


# --------------------------------------------------------------------------- the API
class NotebookReport(Report):
    """A Report with a one-line repr, so a notebook does not print the whole dataclass
    after the rendered report."""

    def __repr__(self) -> str:
        n_ok = sum(c.passed for c in self.cases)
        verdict = "passed" if self.passed else (self.error_kind or "failed")
        extra = f", likely mistake: {self.diagnosis['name']}" if self.diagnosis else ""
        return f"<Report {self.problem}: {verdict}, {n_ok}/{len(self.cases)} cases{extra}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))

    def show(self, console=None, verbose: bool = False) -> None:
        """Render the report again (rich renders it in Jupyter too): one screen, or all of it with verbose."""
        from ..verdict.report import render

        render(self, console, hint_command=False, verbose=verbose)


def _caller_globals(depth: int) -> dict:
    frame = inspect.currentframe()
    for _ in range(depth + 1):
        frame = frame.f_back if frame is not None else None
    return frame.f_globals if frame is not None else {}


def check(problem: str, solution=None, *, seed: int | None = None, show: bool = True, course=None,
          sandbox: Sandbox | None = None, console=None) -> NotebookReport:
    """Check `solution` (a function or class, or source text) against `problem`.

    With no solution, the problem's entry name is looked up in the caller's globals.
    Renders the report (unless show=False) and returns it.
    """
    from ..course.cases import PUBLIC_SEED
    from ..verdict.runner import check_problem

    sandbox = sandbox or session_sandbox()  # before any reference is loaded in this process
    course = course if isinstance(course, Course) else Course(course)
    prob = course.get(problem)
    if solution is None:
        solution = _caller_globals(1).get(prob.entry)
        if solution is None:
            raise NameError(f"no `{prob.entry}` defined here: define it, or pass it: check({problem!r}, your_function)")
    warnings: list[str] = []
    if isinstance(solution, str):
        source = textwrap.dedent(solution)
    else:
        source, warnings = collect_source(solution, prob.entry)
    name = f"<notebook: {prob.entry}>"
    report = check_problem(course, prob, source=source, source_name=name,
                           seed=PUBLIC_SEED if seed is None else seed, sandbox=sandbox)
    result = NotebookReport(**{f.name: getattr(report, f.name) for f in fields(Report)})
    if warnings:
        result.localisation.insert(0, {"title": "not sent to the grader", "kind": "source",
                                       "text": "\n".join(warnings)})
    if show:
        from rich.console import Console

        result.show(console or Console())
        if not result.passed and prob.hints:
            (console or Console()).print(f"[dim]Stuck? grader.hint({prob.slug!r}) shows the next hint.[/dim]")
    return result


def hint_store():
    """Where the notebook's hint count persists, as `grader hint`'s does: the workspace found
    from the current directory, else a per-user state directory (GRADER_NOTEBOOK_STATE, or
    ~/.cache/llm-puzzles/notebook), so that a restarted kernel continues where it stopped."""
    from ..course.workspace import Workspace

    ws = Workspace.find()
    if ws is not None:
        return ws
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llm-puzzles" / "notebook"
    return Workspace(Path(os.environ.get("GRADER_NOTEBOOK_STATE") or default))


def hint(problem: str, course=None) -> str | None:
    """The next hint for `problem` (one more each call; the count persists across sessions)."""
    from rich.console import Console
    from rich.markdown import Markdown

    prob = (course if isinstance(course, Course) else Course(course)).get(problem)
    if not prob.hints:
        return None
    shown = hint_store().next_hint(prob)
    if shown.past_the_end:
        Console().print("[yellow]No more hints: here is the last one again.[/yellow]")
    Console().print(f"[bold]Hint {shown.number}/{shown.total}[/bold]")
    Console().print(Markdown(shown.text))
    return shown.text


# Start the session's zygote as soon as the notebook API is imported: it loads torch in
# the background while the learner writes code, and no reference has been loaded yet.
if os.environ.get("GRADER_NOTEBOOK_EAGER", "1") != "0":
    session_sandbox()
