"""What every command shares: the consoles, exit codes, failing with a usage error,
loading the course and finding the workspace. Commands import from here (down the
layers); `grader/cli.py` only assembles them into the `grader` group."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console

from .course.loader import Course, CourseError
from .course.workspace import Workspace


def discard_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone (`grader check gelu | head -3`),
    so that neither later output nor the flush at exit fails."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (click's test runner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


class PipeTolerantConsole(Console):
    """A console whose reader may go away: the rest of the output is dropped and the
    command still exits with its own code (rich's default exits 1, which reads as a fail)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        if not self.stderr:
            discard_stdout()


def echo(text: str) -> None:
    """click.echo for stdout, tolerating a reader that went away (click would exit 1)."""
    try:
        click.echo(text)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()


def finish(code: int) -> None:
    """Exit with `code` whatever happened to stdout's reader."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
    sys.exit(code)


console = PipeTolerantConsole()
err_console = PipeTolerantConsole(stderr=True)


def reset_consoles() -> None:
    """Build both consoles again for the streams and environment now in force, as at
    import in a fresh process (the warm server, grader/server.py, serves each request so)."""
    PipeTolerantConsole.__init__(console)
    PipeTolerantConsole.__init__(err_console, stderr=True)

PASSED, NOT_PASSED, USAGE_ERROR = 0, 1, 2


def usage_error_json(message: str) -> str:
    """The one JSON object a command run with --json prints on stdout for a usage error."""
    return json.dumps({"error": message, "error_kind": "usage-error", "exit_code": USAGE_ERROR})


def wants_json() -> bool:
    """Whether the running command (or a command above it) was asked for --json."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get("as_json"):
            return True
        ctx = ctx.parent
    return False


def fail(message: str) -> None:
    """A usage error: said on stderr, and as one JSON object on stdout under --json; exit 2."""
    if wants_json():
        echo(usage_error_json(message))
    err_console.print(f"[bold red]error:[/bold red] {message}")
    sys.exit(USAGE_ERROR)


class JsonAwareCommand(click.Command):
    """A command with a --json flag: a malformed command line (an unknown option, a value
    of the wrong type) is also reported as one JSON object on stdout when --json is among
    its arguments, so a machine reading stdout always gets JSON; click still explains it
    on stderr and exits 2."""

    def make_context(self, info_name, args, parent=None, **extra):
        wanted = "--json" in args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if wanted:
                echo(usage_error_json(exc.format_message()))
            raise


# (course option, session) the warm server (grader/server.py) lends to every command it serves.
SHARED_SESSION: tuple | None = None


class _Borrowed:
    """The warm server's session for one command: entered as usual, never closed by it."""

    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc) -> None:
        pass


def open_session(ctx: click.Context, **kwargs):
    """A grading session for a command (sandbox first, then the course); a course that does
    not load is a usage error. In the warm server, its own session for the same course."""
    from .verdict.session import GradingSession

    if SHARED_SESSION is not None and not kwargs:
        from .learner.daemon_paths import resolved_course

        if SHARED_SESSION[0] == resolved_course(ctx.obj.get("course")):
            return _Borrowed(SHARED_SESSION[1])

    session = GradingSession(ctx.obj.get("course"), **kwargs)
    try:
        return session.__enter__()
    except CourseError as exc:
        fail(str(exc))


def missing_course(course_dir) -> str | None:
    """Why `--course DIR` (or GRADER_COURSE) cannot be used, or None: a path that does not
    exist is a typo, never an empty course."""
    if course_dir and not Path(course_dir).is_dir():
        return f"--course {course_dir}: no such directory (GRADER_COURSE may also set it)"
    return None


def load_course(ctx: click.Context) -> Course:
    why = missing_course(ctx.obj.get("course"))
    if why is not None:
        fail(why)
    try:
        return Course(ctx.obj.get("course"))
    except CourseError as exc:
        fail(str(exc))


def get_problem(course: Course, slug: str):
    try:
        return course.get(slug)
    except CourseError as exc:
        fail(str(exc))


def require_workspace() -> Workspace:
    ws = Workspace.find()
    if ws is None:
        fail("no workspace here: run `grader init DIR` and work inside DIR, or pass --file PATH")
    return ws
