"""`grader watch`: re-check on every save, move on when a problem passes (rustlings-style).

The loop polls the modification times of the workspace's .py files (a solution may
import another workspace file, so any of them counts), re-checks the current problem
when one changes, records the verdict, and when the problem passes moves on to the
next unsolved one. No file-system notification library: polling twice a second costs
nothing and works everywhere.

`watch_loop` takes `max_checks`, `max_polls`, a `stop` event and a `sleep` function so
that it can be driven step by step in tests.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from .availability import availability, refused, skip_line, unavailable
from ..course.cases import PUBLIC_SEED
from ..course.loader import Course, CourseError, Problem
from ..verdict.results import Report
from ..sandbox.parent import Sandbox
from ..course.workspace import Workspace


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime in ns, size) of every .py file directly in the workspace."""
    out = {}
    for path in sorted(Path(root).glob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        out[path.name] = (st.st_mtime_ns, st.st_size)
    return out


def next_unsolved(ws: Workspace, course: Course, after: Problem | None = None) -> Problem | None:
    """The first problem not yet solved and checkable here, in course order, starting after
    `after` (wrapping)."""
    problems = list(course)
    start = problems.index(after) + 1 if after in problems else 0
    state = ws.load()
    for problem in problems[start:] + problems[:start]:
        if problem is after:
            continue
        if not ws.status(problem, state).get("solved") and availability(problem).checkable:
            return problem
    return None


def print_skipped(ws: Workspace, course: Course, console: Console) -> None:
    """One line per unsolved problem that cannot be checked here."""
    state = ws.load()
    for problem, why in unavailable(course):
        if not ws.status(problem, state).get("solved"):
            console.print(f"[dim]{escape(skip_line(problem, why))}[/dim]")


def _announce(problem: Problem, ws: Workspace, console: Console) -> None:
    path = ws.file_for(problem)
    body = (f"[bold]{problem.title}[/bold]  ([cyan]{problem.slug}[/cyan])\n"
            f"Edit [bold]{path.name}[/bold]; every save is checked. "
            f"The statement: `grader show {problem.slug}`. A hint: `grader hint {problem.slug}`.")
    console.print(Panel(body, title="[bold blue]now working on", border_style="blue", title_align="left"))


def watch_loop(ws: Workspace, course: Course, slug: str | None = None, *, sandbox: Sandbox,
               console: Console | None = None, interval: float = 0.5, seed: int = PUBLIC_SEED,
               max_checks: int | None = None, max_polls: int | None = None,
               stop: threading.Event | None = None, clear: bool = False, sleep=time.sleep) -> list[Report]:
    """Watch the workspace; return the reports of the checks it ran."""
    from ..verdict.report import render
    from ..verdict.runner import check_problem

    console = console or Console()
    reports: list[Report] = []
    if slug:
        current, why = course.get(slug), availability(course.get(slug))
        if not why.checkable:
            console.print(f"[yellow]{escape(skip_line(current, why))}[/yellow]")
            return reports
    else:
        print_skipped(ws, course, console)
        current = next_unsolved(ws, course)
    if current is None:
        every = "Every problem you can check here is solved." if unavailable(course) else "Every problem is solved."
        console.print(f"[bold green]{every}[/bold green] `grader progress` shows the list.")
        return reports
    _announce(current, ws, console)
    seen: dict | None = None
    intro_shown_for: str | None = None
    polls = 0
    while not (stop is not None and stop.is_set()):
        now = snapshot(ws.root)
        if now != seen:
            seen = now
            path = ws.file_for(current)
            if not path.exists():
                console.print(f"[yellow]No file {path.name} in the workspace: `grader init {ws.root}` "
                              f"adds the stubs of new problems.[/yellow]")
            elif ws.is_untouched(current):
                key = current.slug
                if intro_shown_for != key:
                    console.print(f"[dim]{path.name} is still the stub: waiting for your first save.[/dim]")
                    intro_shown_for = key
            else:
                if clear:
                    console.clear()
                try:
                    report = check_problem(course, current, file=path, workspace=ws.root, seed=seed,
                                           sandbox=sandbox)
                except CourseError as exc:  # the problem cannot be checked here after all
                    console.print(f"[yellow]{escape(skip_line(current, refused(current, exc)))}[/yellow]")
                    current = next_unsolved(ws, course, after=current)
                    if current is None:
                        return reports
                    _announce(current, ws, console)
                    seen = None
                    continue
                ws.record(report)
                reports.append(report)
                render(report, console)
                if report.passed:
                    if max_checks is not None and len(reports) >= max_checks:
                        return reports
                    following = next_unsolved(ws, course, after=current)
                    if following is None:
                        console.print("[bold green]That was the last one: every problem is solved.[/bold green]")
                        return reports
                    console.print(f"[green]Solved {current.slug}.[/green] Moving on.")
                    current = following
                    _announce(current, ws, console)
                    seen = None  # check the next one at once: it may already be edited
                    continue
                console.print(f"[dim]Watching {path.name}: save to check again. Ctrl-C stops.[/dim]")
                if max_checks is not None and len(reports) >= max_checks:
                    return reports
        polls += 1
        if max_polls is not None and polls >= max_polls:
            break
        sleep(interval)
    return reports
