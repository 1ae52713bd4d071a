"""The learner's loop on the command line: `grader watch` and `grader progress`.

Thin: the work is in grader/learner/watch.py and grader/course/workspace.py."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from rich.table import Table

from .cli_support import JsonAwareCommand

STATUS_STYLES = {"solved": "green", "attempted": "yellow", "started": "blue", "untouched": "dim"}


def ago(stamp: str | None, now: datetime | None = None) -> str:
    """A workspace timestamp (local ISO time, as grader/course/workspace.py writes it) as a person
    says it: "just now", "5 min ago", "2 h ago", "yesterday", "3 days ago", else the date."""
    if not stamp:
        return ""
    try:
        then = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    now = now or datetime.now()
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if then.date() == now.date():
        return f"{int(seconds // 3600)} h ago"
    days = (now.date() - then.date()).days
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return then.date().isoformat()


def progress_rows(ws, course) -> list[dict]:
    """One dict per problem, in course order: slug, title, status and the last verdict."""
    state = ws.load()
    rows = []
    for problem in course:
        st = ws.status(problem, state)
        rows.append({"slug": problem.slug, "title": problem.title, "status": st["status"],
                     "attempts": st.get("attempts", 0), "last_verdict": st.get("last_verdict"),
                     "last_cases": st.get("last_cases"), "last_diagnosis": st.get("last_diagnosis"),
                     "last_wrong_stage": st.get("last_wrong_stage"), "last_checked": st.get("last_checked"),
                     "last_violation": st.get("last_violation"),
                     "reset_at": st.get("reset_at")})
    return rows


def verdict_words(row: dict, short: bool = False) -> str:
    """The last verdict and its cases, e.g. "failed 3/10"; a check that failed on a banned or
    forbidden use says so rather than "failed 10/10" (every case right, the verdict a fail)."""
    verdict = row.get("last_verdict") or ""
    if not verdict:
        return ""
    cases = row.get("last_cases") or ""
    if row.get("last_violation"):
        if short:
            return verdict
        right = f" (cases right {cases})" if cases else ""
        return f"{verdict}: {row['last_violation']}{right}"
    return verdict + (f" {cases}" if cases else "")


def _verdict_text(row: dict) -> str:
    if not row["last_verdict"]:
        return ""
    text = verdict_words(row)
    if row.get("last_diagnosis"):
        text += f" · {row['last_diagnosis']}"
    if row.get("last_wrong_stage"):
        text += f" · first wrong block: {row['last_wrong_stage']}"
    if row.get("reset_at") and row["reset_at"] >= (row.get("last_checked") or ""):
        text += " · before your reset"
    return text


@click.command()
@click.argument("slug", required=False)
@click.option("--interval", type=float, default=0.5, show_default=True, help="Seconds between looks at your files.")
@click.option("--clear/--no-clear", default=True, help="Clear the screen before each report.")
@click.pass_context
def watch(ctx: click.Context, slug: str | None, interval: float, clear: bool) -> None:
    """Check on every save; move on to the next unsolved problem when this one passes."""
    from .learner.availability import availability
    from .cli_support import console, fail, get_problem, open_session, require_workspace
    from .learner.watch import watch_loop

    with open_session(ctx) as session:
        course, sandbox = session.course, session.sandbox
        if slug:
            slug = get_problem(course, slug).slug
            why = availability(course.get(slug))
            if not why.checkable:
                fail(f"{slug} cannot be checked here: {why.reason}")
        ws = require_workspace()
        try:
            watch_loop(ws, course, slug, sandbox=sandbox, console=console, interval=interval, clear=clear)
        except KeyboardInterrupt:
            console.print("\n[dim]Stopped watching.[/dim]")


@click.command(cls=JsonAwareCommand)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_context
def progress(ctx: click.Context, as_json: bool) -> None:
    """Solved, attempted, started and untouched problems, with the last verdict of each."""
    from .learner.availability import unavailable
    from .cli_support import console, echo, load_course, require_workspace
    from .learner.watch import next_unsolved, print_skipped

    course = load_course(ctx)
    ws = require_workspace()
    rows = progress_rows(ws, course)
    counts = {k: sum(r["status"] == k for r in rows) for k in STATUS_STYLES}
    following = next_unsolved(ws, course)
    if as_json:
        skipped = {p.slug: why.reason for p, why in unavailable(course)}
        echo(json.dumps({"problems": rows, "counts": counts, "not_checkable_here": skipped,
                         "next": following.slug if following else None}, indent=2))
        return
    table = Table(title="Progress", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("slug", style="bold cyan")
    table.add_column("status")
    table.add_column("tries", justify="right", style="dim")
    table.add_column("last verdict")
    for i, row in enumerate(rows, 1):
        table.add_row(str(i), row["slug"], f"[{STATUS_STYLES[row['status']]}]{row['status']}",
                      str(row["attempts"] or ""), _verdict_text(row))
    console.print(table)
    console.print(f"[green]{counts['solved']} solved[/green] of {len(rows)} · "
                  f"[yellow]{counts['attempted']} attempted[/yellow] · [blue]{counts['started']} started[/blue] · "
                  f"[dim]{counts['untouched']} untouched[/dim]")
    print_skipped(ws, course, console)
    if following is not None:
        console.print(f"Next: [bold]{following.slug}[/bold] — `grader watch {following.slug}`")
    sys.stdout.flush()


COMMANDS = [watch, progress]  # added to the `grader` group by grader/cli.py
