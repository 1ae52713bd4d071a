"""The instructor's commands: author (new, validate), grade a class (grade, gradebook),
hand off to course tools (export gradescope, export student). Thin: each calls into a
plain module (authoring, validate, batch, gradebook, export)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from .verdict.report import escape  # markup escaped and control characters replaced: learner names and errors

from .cli_support import JsonAwareCommand, console, echo, err_console, fail, finish, load_course, missing_course
from .course.loader import Course, CourseError


@click.command()
@click.argument("slug")
@click.option("--title", help="The problem's title (default: from the slug).")
@click.option("--entry", help="The function or class the learner writes (default: the slug with _).")
@click.option("--order", type=float, help="Position in the learning order (default: after the last).")
@click.option("--copy", "copy", is_flag=True,
              help="Start from a copy of the existing problem SLUG (a shipped one, say): in your course, "
                   "the copy replaces it.")
@click.pass_context
def new(ctx: click.Context, slug: str, title, entry, order, copy) -> None:
    """Scaffold problem SLUG in a course: config, statement, stub, reference.

    Writes into --course DIR (or GRADER_COURSE; created if missing), else into the
    course the current directory is in. Fill in every TODO(grader new), then run
    `grader validate SLUG` until it passes.
    """
    from .instructor.authoring import copy_problem, new_problem, target_course

    try:
        root = target_course(ctx.obj.get("course"))
        course = Course(ctx.obj.get("course"))
        existing = course.problems.get(slug)
        if existing is not None and not copy and existing.root != root:
            err_console.print(f"[yellow]note:[/] {slug} exists in {existing.root}; the new one replaces it "
                              "in this course (`--copy` starts from a copy of it instead)")
        if copy:
            written = copy_problem(course, slug, root)
        else:
            written = new_problem(root, slug, title=title, entry=entry,
                                  order=int(order) if order is not None and order == int(order) else order,
                                  course=course)
    except CourseError as exc:
        fail(str(exc))
    for path in written:
        console.print(f"  [green]created[/]  {path}")
    first = "edit the copy" if copy else "fill in every [bold]TODO(grader new)[/bold]"
    console.print(f"Next: {first}, then `grader --course {root} validate {slug}` (see docs/authoring.md).")


NO_REFERENCES = ("nothing to validate: this course has no references. `grader validate` checks a course's "
                 "problems against their hidden references, so it runs in the course repository (or with "
                 "--course DIR); a learner's bundle ships public fixtures instead, and `grader check` uses them.")


def _validations(course, slugs: list[str], sandbox, seeds: tuple[int, ...], on_start, use_cache: bool) -> list:
    """Every problem kept unchanged in the validation cache is read without importing the checks
    (nor torch); any other sends the whole list through validate_course."""
    from .instructor.validate_cache import cached_validation
    from .instructor.validation import order_warnings

    if use_cache:
        seeds = tuple(dict.fromkeys(seeds))
        kept = [cached_validation(course, p, seeds) for p in ([course.get(s) for s in slugs] if slugs else course)]
        if all(v is not None for v in kept):
            order_warnings(course, kept)
            return kept
    from .instructor.validate import validate_course

    return validate_course(course, slugs, sandbox, seeds, on_start, use_cache=use_cache)


@click.command(cls=JsonAwareCommand)
@click.argument("slugs", nargs=-1)
@click.option("--seed", "seeds", type=int, multiple=True,
              help="Seeds to try (repeatable; default 0 and 1). The reference runs in the sandbox at the "
                   "first and in-process at the others.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Validate afresh, ignoring the results kept for unchanged problems (in $GRADER_CACHE_DIR, "
                   "else $XDG_CACHE_HOME/grader, default ~/.cache/grader).")
@click.pass_context
def validate(ctx: click.Context, slugs: tuple[str, ...], seeds: tuple[int, ...], as_json: bool,
             no_cache: bool) -> None:
    """Check that problems are complete and consistent (all by default). Exit 1 on any error."""
    from .instructor.validation import CHECKS, DEFAULT_SEEDS

    started_sandbox: list = []

    def sandbox():
        """Started on first need: a problem found unchanged in the cache needs none (and loads no
        reference, so the sandbox still starts before any reference is loaded)."""
        if not started_sandbox:
            from .instructor.validate import AUTHOR_API
            from .sandbox.parent import Sandbox

            box = Sandbox(preload=AUTHOR_API)
            box.start()
            started_sandbox.append(box)
        return started_sandbox[0]

    started = time.monotonic()
    try:
        try:
            why = missing_course(ctx.obj.get("course"))
            if why is not None:
                raise CourseError(why)
            course = Course(ctx.obj.get("course"))
        except CourseError as exc:  # a problem.toml that does not parse: nothing else can load
            if as_json:
                echo(json.dumps({"ok": False, "elapsed": round(time.monotonic() - started, 3),
                                 "error": f"the course does not load: {exc}", "problems": []}, indent=2))
            else:
                console.print(f"[bold red]FAIL[/] the course does not load: {escape(str(exc))}")
            sys.exit(1)
        try:
            for slug in slugs:
                course.get(slug)
        except CourseError as exc:
            fail(str(exc))
        if not any(directory.is_dir() for directory in course.reference_dirs):  # a learner's installation
            fail(NO_REFERENCES)
        status = err_console.status("validating", spinner="dots") if not as_json else None

        def on_start(problem):
            if status is not None:
                status.update(f"validating [bold]{problem.slug}[/bold]")

        if status is not None:
            status.start()
        try:
            results = _validations(course, list(slugs), sandbox, tuple(seeds) or DEFAULT_SEEDS, on_start,
                                   use_cache=not no_cache)
        finally:
            if status is not None:
                status.stop()
    finally:
        for box in started_sandbox:
            box.close()
    elapsed = time.monotonic() - started
    bad = [v for v in results if not v.ok]
    if as_json:
        echo(json.dumps({"ok": not bad, "elapsed": round(elapsed, 3),
                         "problems": [v.to_dict() for v in results]}, indent=2))
        finish(1 if bad else 0)
    marks = {"ok": "[green]✓[/]", "error": "[red]✗[/]", "warning": "[yellow]![/]", "skipped": "[dim]-[/]"}
    for v in results:
        head = "[bold green]ok  [/]" if v.ok else "[bold red]FAIL[/]"
        flagged = [c for c in CHECKS if v.status(c) != "ok"]
        checks = " ".join(f"{marks[v.status(c)]}{c.replace(' ', '-')}" for c in flagged) or \
            f"[green]all {len(CHECKS)} checks passed[/]"
        when = "[dim]unchanged: kept result[/] " if v.cached else ""
        console.print(f"{head} [bold cyan]{v.slug:<18}[/] [dim]{v.elapsed:5.1f} s[/]  {when}{checks}")
        for f in v.findings:
            style = "red" if f.level == "error" else "yellow"
            text = escape(f.message).replace("\n", "\n        ")
            console.print(f"      [{style}]{f.level}[/] [dim]({f.check})[/] {text}")
    n_err = sum(len(v.errors) for v in results)
    n_warn = sum(len(v.warnings) for v in results)
    console.print(f"{len(results)} problem(s): {len(results) - len(bad)} valid, {len(bad)} with errors "
                  f"({n_err} error(s), {n_warn} warning(s)) in {elapsed:.1f} s")
    finish(1 if bad else 0)


@click.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False))
@click.option("--problem", "slugs", multiple=True, metavar="SLUG",
              help="Grade these problems (repeatable; default: every problem any learner has a file for).")
@click.option("--seed", type=int, default=None,
              help="Case seed (default: the one this gradebook already used, else a fresh random one).")
@click.option("--workers", type=int, default=None, help="Sandboxes graded in parallel (default: CPU count).")
@click.option("--gradebook", "gradebook_path", type=click.Path(dir_okay=False),
              help="SQLite gradebook (default: SUBMISSIONS/gradebook.sqlite).")
@click.option("--regrade", is_flag=True, help="Grade again what the gradebook already holds.")
@click.option("--localise", is_flag=True, help="Also say where wrong outputs go wrong (slower).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Then export the gradebook as CSV.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Then export the gradebook as JSON.")
@click.option("--allow-unisolated", is_flag=True,
              help="Grade even where learner code cannot be confined by the operating system (isolation none).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on the workers of a running dask.distributed cluster (tcp://host:8786); see "
                   "docs/instructor.md. Needs the `dask` extra.")
@click.option("--local-cluster", "local_cluster", type=int, metavar="N",
              help="Grade on a Dask LocalCluster of N worker processes started here (a trial of --scheduler).")
@click.pass_context
def grade(ctx, submissions, slugs, seed, workers, gradebook_path, regrade, localise, csv_path, json_path,
          allow_unisolated, scheduler, local_cluster) -> None:
    """Grade every learner's files in SUBMISSIONS (one folder per learner, files named
    by slug) against hidden seeds; results go to a gradebook that survives interruptions
    (re-running grades only what is new or changed)."""
    import os

    if not (scheduler or local_cluster):
        from .sandbox.zygote_launch import prestart

        # The pool's zygotes import torch beside this process (the next import brings torch
        # in), not after it: a class's start-up, on 2 cores, about a second shorter.
        prestart(count=workers or os.cpu_count() or 1)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    from .instructor.batch import SandboxPool, choose_seed, find_submissions, grade_class
    from .instructor.gradebook import Gradebook

    book_path = Path(gradebook_path or Path(submissions) / "gradebook.sqlite")
    if scheduler or local_cluster:
        pool = _dask_pool(ctx, scheduler, local_cluster)
    else:
        pool = SandboxPool(workers or os.cpu_count() or 1, hidden=[submissions, book_path.parent])
        pool.start()  # before any reference is loaded: no child may inherit it
    try:
        require_isolation(pool.isolation(), allow_unisolated)
        course = load_course(ctx)
        try:
            found = find_submissions(submissions, course, list(slugs) or None)
        except CourseError as exc:
            fail(str(exc))
        nothing = found.nothing_to_grade()
        if nothing is not None:  # before the gradebook exists: a run that grades nothing leaves nothing
            fail(f"nothing to grade in {submissions}: {nothing}")
        for note in found.notes:
            err_console.print(f"[yellow]note:[/] {escape(note)}")
        if found.unmatched:
            names = sorted(set(found.unmatched))
            err_console.print(f"[yellow]note:[/] not graded, no problem of this course by that name: "
                              f"{escape(', '.join(names[:8]))}{' ...' if len(names) > 8 else ''} (helper modules "
                              "stay importable; pass --course for an instructor's course)")
        book = Gradebook(book_path)
        seed = choose_seed(seed, book.seed)
        if book.seed is not None and seed != book.seed and not regrade and book.graded():
            err_console.print(f"[yellow]note:[/] results already in the gradebook were graded with seed "
                              f"{book.seed}; they keep it unless you pass --regrade")
        console.print(f"Grading {len(found.learners)} learner(s) x {len(found.slugs)} problem(s) "
                      f"({', '.join(found.slugs)}) with seed [bold]{seed}[/bold], {len(pool)} worker(s)")
        progress = Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[failed]} not[/]"),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False)
        task = progress.add_task("grading", total=None, passed=0, failed=0)
        counts = {"passed": 0, "failed": 0}

        def on_result(outcome, verdict):
            counts["passed" if verdict == "passed" else "failed"] += 1
            progress.update(task, advance=1, **counts)

        with progress:
            summary = grade_class(course, found, book, pool, seed=seed, regrade=regrade, localise=localise,
                                  on_total=lambda n: progress.update(task, total=n), on_result=on_result)
    finally:
        pool.close()
    verdicts = ", ".join(f"{v} {n}" for v, n in sorted(summary.verdicts.items(), key=lambda kv: -kv[1]))
    console.print(f"Graded {summary.graded} in {summary.elapsed:.1f} s"
                  + (f" ({summary.elapsed / summary.graded:.3f} s each)" if summary.graded else "")
                  + f"; {summary.skipped} already in the gradebook; {summary.missing} missing"
                  + (f"; {verdicts}" if verdicts else ""))
    console.print(f"Gradebook: {book.path}  (seed {seed})")
    if summary.interrupted:
        console.print("[yellow]Interrupted.[/] Everything graded so far is saved; run the same command again "
                      "to grade the rest.")
    _export(book, csv_path, json_path, console)
    book.close()
    sys.exit(130 if summary.interrupted else 0)


def _dask_pool(ctx, scheduler: str | None, local_cluster: int | None):
    """The cluster's workers as a pool (grader/instructor/dask_grading.py)."""
    if scheduler and local_cluster:
        fail("--scheduler and --local-cluster: one or the other")
    try:
        from .instructor.dask_grading import DaskPool

        return DaskPool.connect(scheduler, local_cluster, course_dir=ctx.obj.get("course"))
    except ImportError:
        fail("grading on Dask needs dask.distributed: pip install 'llm-puzzles-grader[dask]'")
    except OSError as exc:
        fail(f"could not reach the Dask scheduler at {scheduler}: {exc}")


@click.group()
def gradebook() -> None:
    """Read a class gradebook (made by `grader grade`)."""


@gradebook.command("export")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="One row per learner and problem.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Nested by learner, then problem.")
def gradebook_export(path, csv_path, json_path) -> None:
    """Export the gradebook at PATH as CSV and/or JSON."""
    from .instructor.gradebook import Gradebook

    if not csv_path and not json_path:
        fail("say where: --csv PATH and/or --json PATH")
    with Gradebook(path) as book:
        _export(book, csv_path, json_path, console)


POINTS_HELP = "Weight of a problem, e.g. --points attention=2 (repeatable; default 1 each)."


def parse_points(items) -> dict[str, float]:
    """SLUG=POINTS pairs into weights."""
    weights = {}
    try:
        for item in items:
            slug, _, value = item.partition("=")
            weights[slug.strip()] = float(value)
    except ValueError:
        fail("--points takes SLUG=POINTS, e.g. --points layer-norm=2")
    return weights


@gradebook.command("show")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--points", "points", multiple=True, metavar="SLUG=POINTS", help=POINTS_HELP)
@click.option("--problems", "per_problem", is_flag=True,
              help="Per-problem statistics instead: pass rate, mean score, the mistakes most learners made.")
def gradebook_show(path, points, per_problem) -> None:
    """Scores per learner and problem (weighted with --points), or per-problem statistics."""
    from rich.table import Table

    from .instructor.gradebook import Gradebook

    weights = parse_points(points)
    with Gradebook(path) as book:
        data = book.to_json(weights)
        rows = book.rows()
    if per_problem:
        from .instructor.class_report import problem_stats

        table = Table(title=f"{path} (seed {data['seed']})", title_justify="left")
        for name, justify in (("problem", "left"), ("learners", "right"), ("passed", "right"),
                              ("pass rate", "right"), ("mean score", "right"), ("most common mistakes", "left"),
                              ("limits", "left")):
            table.add_column(name, justify=justify)
        for slug, st in problem_stats(rows).items():
            mistakes = "; ".join(f"{escape(name)} ({len(who)})" for name, who in list(st.mistakes.items())[:3])
            stopped = ", ".join(f"{kind} {len(who)}" for kind, who in st.stopped.items())
            table.add_row(slug, str(st.learners), str(st.passed), f"{100 * st.pass_rate:.0f}%",
                          f"{st.mean_score:.2f}", mistakes, stopped)
        console.print(table)
        return
    table = Table(title=f"{path} (seed {data['seed']})", title_justify="left")
    table.add_column("learner", style="bold")
    for slug in data["problems"]:
        weight = data["points"][slug]
        table.add_column(slug if weight == 1 else f"{slug} (x{weight:g})", justify="right")
    table.add_column("total", justify="right", style="bold")
    for learner, entry in data["learners"].items():
        cells = []
        for slug in data["problems"]:
            r = entry["problems"].get(slug)
            if r is None:
                cells.append("")
                continue
            style = "green" if r["passed"] else "red" if r["score"] == 0 else "yellow"
            why = "" if r["passed"] else (r.get("error_kind") or r["verdict"])
            cells.append(f"[{style}]{r['score']:.2f}[/] [dim]{escape(why)}[/]")
        table.add_row(escape(learner), *cells, f"{entry['total']:.2f}/{entry['max']:g}")
    console.print(table)


@gradebook.command("report")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True, help="The HTML file to write.")
@click.option("--points", "points", multiple=True, metavar="SLUG=POINTS", help=POINTS_HELP)
@click.option("--title", default="Class report", show_default=True)
def gradebook_report(path, out_path, points, title) -> None:
    """One self-contained HTML page of the class: per problem the pass rate, the score
    distribution, the named mistakes and who made each, violations and limits; every
    learner's row. No network, no external assets (charts are inline SVG)."""
    from .instructor.gradebook import Gradebook

    try:
        from .instructor.class_report import render_html

        with Gradebook(path) as book:
            page = render_html(book.rows(), seed=book.seed, points=parse_points(points), title=title)
    except ImportError as exc:
        fail(f"the class report needs matplotlib ({exc}): pip install 'llm-puzzles-grader[report]'")
    Path(out_path).write_text(page, encoding="utf-8")
    console.print(f"Report: {out_path} ({len(page) // 1024} KiB)")


def _export(book, csv_path, json_path, console) -> None:
    if csv_path:
        n = book.export_csv(csv_path)
        console.print(f"CSV: {csv_path} ({n} rows)")
    if json_path:
        n = book.export_json(json_path)
        console.print(f"JSON: {json_path} ({n} learners)")


def require_isolation(level, allow_unisolated: bool) -> None:
    """Grading other people's code: refuse to run it unconfined unless told to."""
    from .cli_support import console, fail

    if level is None:
        fail("the sandbox could not start: no learner code can be run here")
    if level.value == "none" and not allow_unisolated:
        fail("learner code cannot be confined on this machine (isolation none: no user namespaces and not root); "
             "grading untrusted submissions here would let them read the course and forge results. "
             "Pass --allow-unisolated to grade anyway.")
    if level.value != "namespaces":
        console.print(f"[yellow]note:[/] isolation {level.value}: see docs/how-grading-works.md")


@click.group()
def export() -> None:
    """Hand the course to other tools: Gradescope, or the learner's bundle."""


@export.command("gradescope")
@click.argument("out_zip", type=click.Path(dir_okay=False))
@click.option("--problem", "slugs", multiple=True, metavar="SLUG", help="Problems to grade (default: all).")
@click.option("--seed", type=int, default=None, help="The hidden case seed (default: a fresh random one).")
@click.option("--points", "points", multiple=True, metavar="SLUG=POINTS", help="Points for a problem (default 1).")
@click.option("--visibility", type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
              default="visible", show_default=True, help="When learners see the results.")
@click.option("--allow-unisolated", is_flag=True,
              help="Let the autograder grade even where it cannot confine learner code (isolation none).")
@click.pass_context
def export_gradescope_cmd(ctx, out_zip, slugs, seed, points, visibility, allow_unisolated) -> None:
    """Build a Gradescope autograder zip (setup.sh, run_autograder, the course and the grader)."""
    from .instructor.export import export_gradescope

    weights = parse_points(points)
    try:
        config = export_gradescope(load_course(ctx), out_zip, list(slugs) or None, seed=seed, points=weights,
                                   visibility=visibility, allow_unisolated=allow_unisolated)
    except CourseError as exc:
        fail(str(exc))
    console.print(f"Wrote {out_zip}: {len(config['problems'])} problem(s), hidden seed {config['seed']}, "
                  f"{sum(config['points'].values()):g} point(s), results {visibility}.")
    console.print("Upload it as the autograder of a Gradescope programming assignment (base image with "
                  "Python 3.11+); learners upload their <module>.py files.")


@export.command("student")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--problem", "slugs", multiple=True, metavar="SLUG", help="Problems to include (default: all).")
@click.option("--force", is_flag=True, help="Replace problems already in OUT_DIR.")
@click.option("--title", default="LLM puzzles", show_default=True, help="The bundle's README title.")
@click.pass_context
def export_student_cmd(ctx, out_dir, slugs, force, title) -> None:
    """Build the learner's bundle: statements, stubs, hints, public fixtures and an
    installable grader (the learner's wheel); no reference."""
    from .instructor.export import export_student
    from .instructor.learner_package import learner_spec

    try:
        bundled = export_student(load_course(ctx), out_dir, list(slugs) or None, force=force, title=title)
    except CourseError as exc:
        fail(str(exc))
    for b in bundled:
        colour = "green" if b.checkable else "yellow"
        console.print(f"  [{colour}]{b.slug:<20}[/] {escape(b.summary)}")
    spec = learner_spec()
    console.print(f"Bundle in [bold]{out_dir}[/bold] (no references), with {spec.name} {spec.version}. "
                  f"Learners, in it: `pip install ./{spec.filename}`, then `grader init my-work`.")


COMMANDS = [new, validate, grade, gradebook, export]  # added to the `grader` group by grader/cli.py
