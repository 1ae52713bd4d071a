"""The instructor's commands: author (new, validate), grade a class (grade, gradebook),
hand off to course tools (export gradescope, export student). Thin: each calls into a
plain module (authoring, validate, batch, gradebook, export)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.markup import escape

from .course import Course, CourseError


def register(main: click.Group) -> None:
    from .cli import console, err_console, fail, load_course

    # ------------------------------------------------------------------ authoring
    @main.command()
    @click.argument("slug")
    @click.option("--title", help="The problem's title (default: from the slug).")
    @click.option("--entry", help="The function or class the learner writes (default: the slug with _).")
    @click.option("--order", type=float, help="Position in the learning order (default: after the last).")
    @click.option("--copy-of", "copy_of", metavar="SLUG",
                  help="Start from a copy of an existing problem (e.g. a shipped one) instead of the blank scaffold.")
    @click.pass_context
    def new(ctx: click.Context, slug: str, title, entry, order, copy_of) -> None:
        """Scaffold problem SLUG in a course: config, statement, stub, reference.

        Writes into --course DIR (or GRADER_COURSE; created if missing), else into the
        course the current directory is in. Fill in every TODO(grader new), then run
        `grader validate SLUG` until it passes.
        """
        from .authoring import copy_problem, new_problem, target_course

        try:
            root = target_course(ctx.obj.get("course"))
            if copy_of:
                written = copy_problem(Course(ctx.obj.get("course")), copy_of, root)
            else:
                written = new_problem(root, slug, title=title, entry=entry,
                                      order=int(order) if order is not None and order == int(order) else order,
                                      course=Course(ctx.obj.get("course")))
        except CourseError as exc:
            fail(str(exc))
        for path in written:
            console.print(f"  [green]created[/]  {path}")
        shown = copy_of or slug
        console.print(f"Next: fill in every [bold]TODO(grader new)[/bold], then "
                      f"`grader --course {root} validate {shown}` (see docs/authoring.md).")

    @main.command()
    @click.argument("slugs", nargs=-1)
    @click.option("--seed", "seeds", type=int, multiple=True,
                  help="Seeds to try (repeatable; default 0 and 1). The reference runs in the sandbox at the "
                       "first and in-process at the others.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
    @click.pass_context
    def validate(ctx: click.Context, slugs: tuple[str, ...], seeds: tuple[int, ...], as_json: bool) -> None:
        """Check that problems are complete and consistent (all by default). Exit 1 on any error."""
        from .sandbox import Sandbox
        from .validate import CHECKS, DEFAULT_SEEDS, validate_course

        sandbox = Sandbox()
        sandbox.start()  # before any reference is loaded
        started = time.monotonic()
        try:
            course = load_course(ctx)
            try:
                for slug in slugs:
                    course.get(slug)
            except CourseError as exc:
                fail(str(exc))
            status = err_console.status("validating", spinner="dots") if not as_json else None

            def on_start(problem):
                if status is not None:
                    status.update(f"validating [bold]{problem.slug}[/bold]")

            if status is not None:
                status.start()
            try:
                results = validate_course(course, list(slugs), sandbox, tuple(seeds) or DEFAULT_SEEDS, on_start)
            finally:
                if status is not None:
                    status.stop()
        finally:
            sandbox.close()
        elapsed = time.monotonic() - started
        bad = [v for v in results if not v.ok]
        if as_json:
            click.echo(json.dumps({"ok": not bad, "elapsed": round(elapsed, 3),
                                   "problems": [v.to_dict() for v in results]}, indent=2))
            sys.exit(1 if bad else 0)
        marks = {"ok": "[green]✓[/]", "error": "[red]✗[/]", "warning": "[yellow]![/]", "skipped": "[dim]-[/]"}
        for v in results:
            head = "[bold green]ok  [/]" if v.ok else "[bold red]FAIL[/]"
            checks = " ".join(f"{marks[v.status(c)]}{c.replace(' ', '-')}" for c in CHECKS)
            console.print(f"{head} [bold cyan]{v.slug:<20}[/] [dim]{v.elapsed:5.1f} s[/]  {checks}")
            for f in v.findings:
                style = "red" if f.level == "error" else "yellow"
                text = escape(f.message).replace("\n", "\n        ")
                console.print(f"      [{style}]{f.level}[/] [dim]({f.check})[/] {text}")
        n_err = sum(len(v.errors) for v in results)
        n_warn = sum(len(v.warnings) for v in results)
        console.print(f"{len(results)} problem(s): {len(results) - len(bad)} valid, {len(bad)} with errors "
                      f"({n_err} error(s), {n_warn} warning(s)) in {elapsed:.1f} s")
        sys.exit(1 if bad else 0)

    _register_grading(main)
    _register_export(main)


def _register_grading(main: click.Group) -> None:
    pass


def _register_export(main: click.Group) -> None:
    pass
