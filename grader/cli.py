"""The `grader` command. Thin: each command calls into plain modules."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.markdown import Markdown
from rich.table import Table

from . import __version__
from . import commands_instructor, commands_learner, daemon_cli
from .cli_support import (NOT_PASSED, PASSED, JsonAwareCommand, console, echo, fail, finish, get_problem,
                          load_course, open_session, require_workspace)
from .course.loader import CourseError
from .course.workspace import Workspace


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--course", "course_dir", type=click.Path(file_okay=False), envvar="GRADER_COURSE",
              help="An instructor's course directory (problems/ and reference/) extending the shipped one.")
@click.version_option(__version__, prog_name="grader")  # either distribution: the course's or the learner's
@click.pass_context
def main(ctx: click.Context, course_dir: str | None) -> None:
    """Build the pieces of a language model in PyTorch; the grader tells you whether they are right."""
    ctx.ensure_object(dict)
    ctx.obj["course"] = course_dir
    # The `grader` executable (grader/entry.py) prestarts a cold check's zygote before it
    # imports this module; the warm server (grader/server.py) keeps one. Here it would
    # start a zygote nobody adopts on the server's first request.


@main.command(cls=JsonAwareCommand)
@click.argument("slug")
@click.option("--file", "file_", type=click.Path(dir_okay=False), help="Check this file instead of the workspace's.")
@click.option("--seed", type=int, default=None, help="Case seed (default: the public seed 0).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--verbose", "-v", is_flag=True, help="The whole report: every case, full tracebacks, every panel.")
@click.pass_context
def check(ctx: click.Context, slug: str, file_: str | None, seed: int | None, as_json: bool,
          verbose: bool = False) -> None:
    """Check your solution to SLUG. Exit 0 passed, 1 not passed, 2 usage error."""
    from .course.cases import PUBLIC_SEED
    from .verdict.execute import Submission
    from .verdict.report import render, to_json

    with open_session(ctx) as session:
        problem = get_problem(session.course, slug)
        ws = Workspace.find()
        if file_ is not None:
            path = Path(file_)
            # A draft (drafts/x.py) imports the workspace's files: the workspace holding the file, else cwd's.
            home = Workspace.find(path.resolve().parent) or ws
            workspace = home.root if home is not None else path.resolve().parent
        else:
            if ws is None:
                fail("no workspace here: run `grader init DIR` and work inside DIR, or pass --file PATH")
            path, workspace = ws.file_for(problem), ws.root
        if not path.exists():
            fail(f"no file at {path}" + ("" if file_ else f"; run `grader reset {problem.slug}` to get the stub"))
        submission = Submission(file=path.resolve(), workspace=Path(workspace).resolve())
        try:
            report = session.check(problem, submission, seed=PUBLIC_SEED if seed is None else seed)
        except CourseError as exc:
            fail(str(exc))
    if ws is not None and path.resolve() == ws.file_for(problem).resolve():
        ws.record(report)
    if as_json:
        echo(to_json(report))
    else:
        render(report, console, verbose=verbose)
    finish(PASSED if report.passed else NOT_PASSED)


@main.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """The problems in learning order, with your progress."""
    course = load_course(ctx)
    ws = Workspace.find()
    state = ws.load() if ws else {}
    from .commands_learner import STATUS_STYLES, ago, verdict_words

    # One line per problem at 80 columns: a long title ends in "…" (`grader show` has it whole).
    # The problems in learning order (the order is the listing's); `grader show` has the whole title.
    table = Table(title="Problems", title_justify="left", expand=True, box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("slug", style="bold cyan", no_wrap=True)
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=1)
    if ws is not None:
        table.add_column("status", no_wrap=True)
        table.add_column("last check", style="dim", no_wrap=True, overflow="ellipsis", max_width=24)
    for problem in course:
        if ws is None:
            table.add_row(problem.slug, problem.title)
            continue
        st = ws.status(problem, state)
        last = " · ".join(x for x in (verdict_words(st, short=True), ago(st.get("last_checked"))) if x)
        table.add_row(problem.slug, problem.title, f"[{STATUS_STYLES[st['status']]}]{st['status']}", last)
    console.print(table)
    if ws is None:
        console.print("[dim]No workspace found: `grader init DIR` creates one with every stub.[/dim]")


@main.command()
@click.argument("slug")
@click.pass_context
def show(ctx: click.Context, slug: str) -> None:
    """The statement of SLUG."""
    from .learner.statement import Statement

    problem = get_problem(load_course(ctx), slug)
    console.print(Statement(problem.statement_path.read_text(encoding="utf-8")), crop=False)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.pass_context
def init(ctx: click.Context, directory: str) -> None:
    """Create (or refresh) a workspace in DIRECTORY with every stub; never overwrites your changes."""
    course = load_course(ctx)
    ws = Workspace(Path(directory))
    for name, action in ws.init(course):
        style = "yellow" if action.startswith("kept") else "green"
        console.print(f"  [{style}]{action:>22}[/]  {name}")
    first = f"`grader show {next(iter(course)).slug}`"
    then = first if ws.root == Path.cwd().resolve() else f"`cd {directory}` then {first}"
    console.print(f"Workspace ready in [bold]{ws.root}[/bold]. Next: {then}.")


@main.command()
@click.argument("slug")
@click.argument("number", type=int, required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every hint of SLUG.")
@click.pass_context
def hint(ctx: click.Context, slug: str, number: int | None, show_all: bool) -> None:
    """The next hint for SLUG (one more each time), hint NUMBER again, or --all of them."""
    from .course.workspace import WorkspaceError

    problem = get_problem(load_course(ctx), slug)
    ws = require_workspace()
    if not problem.hints:
        console.print("This problem has no hints.")
        return
    if show_all and number is not None:
        fail("give a hint NUMBER or --all, not both")
    try:
        hints = ws.all_hints(problem) if show_all else [ws.hint(problem, number) if number is not None
                                                        else ws.next_hint(problem)]
    except WorkspaceError as exc:
        fail(str(exc))
    for shown in hints:
        print_hint(shown)
    last = hints[-1]
    if last.is_last and not show_all:
        console.print(f"[dim]That was the last hint ({last.number} of {last.total}). "
                      f"`grader hint {problem.slug} N` shows hint N again; `--all` shows them all.[/dim]")


def print_hint(shown) -> None:
    """One hint with its number; a repeat past the last one says so above it."""
    if shown.past_the_end:
        console.print("[yellow]No more hints: here is the last one again.[/yellow]")
    console.print(f"[bold]Hint {shown.number}/{shown.total}[/bold]")
    console.print(Markdown(shown.text))


@main.command()
@click.argument("slug")
@click.pass_context
def reset(ctx: click.Context, slug: str) -> None:
    """Put the stub for SLUG back; your file is kept as a backup."""
    problem = get_problem(load_course(ctx), slug)
    ws = require_workspace()
    backup = ws.reset(problem)
    console.print(f"Stub restored: {ws.file_for(problem).name}")
    if backup:
        console.print(f"Your previous file is in {backup}")


for command in (*commands_learner.COMMANDS, *commands_instructor.COMMANDS, *daemon_cli.COMMANDS):
    main.add_command(command)


if __name__ == "__main__":
    main()
