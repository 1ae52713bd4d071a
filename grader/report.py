"""Showing a verdict: a rich terminal report, or one JSON object for machines."""

from __future__ import annotations

import json
import re

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .results import Report

# The diagnosis panel's title says what the diagnosis rests on (grader/evidence.py).
EVIDENCE_TITLES = {"known-mistake": "likely mistake", "property": "what is wrong (a property a right answer has)",
                   "ablation": "what is wrong (parts of your model switched off)",
                   "check": "what is wrong (the failing check)"}


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str)


# *emphasis* and **strong** in a mistake's prose (explanations are written as markdown);
# not `x**3` or `0.5 * x * y`: the marks must hug a word and not touch one outside.
_STRONG = re.compile(r"(?<![\w*])\*\*(?![\s*])([^*\n]+?)(?<![\s*])\*\*(?![\w*])")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![\w*])")


def prose(text: str) -> str:
    """Rich markup for plain text that may carry markdown emphasis: escaped, with
    *x* in italics and **x** in bold rather than shown with their asterisks."""
    marked = _STRONG.sub(r"[bold]\1[/bold]", escape(text))
    return _EMPHASIS.sub(r"[italic]\1[/italic]", marked)


def _fmt_err(value) -> str:
    return "" if value is None else f"{value:.2e}"


def render(report: Report, console: Console | None = None, hint_command: bool = True) -> None:
    console = console or Console()
    ok = report.passed
    head = Text()
    head.append("PASSED" if ok else "FAILED", style="bold green" if ok else "bold red")
    head.append(f"  {report.title}  ", style="bold")
    if report.error_kind == "not-implemented":
        head.append("not implemented yet", style="yellow")
    elif report.cases:
        n_ok = sum(c.passed for c in report.cases)
        head.append(f"{n_ok}/{len(report.cases)} cases", style="green" if ok else "yellow")
    head.append(f"   score {report.score:.2f}   {report.file}", style="dim")
    if report.isolation:
        started = f" ({report.start_method})" if report.start_method else ""  # spawn: grader/start_method.py
        head.append(f"   isolation: {report.isolation}{started}",
                    style="dim" if report.isolation == "namespaces" else "yellow")
    console.print(Panel(head, border_style="green" if ok else "red", expand=True))

    if report.error:
        console.print(Panel(escape(report.error), title=f"[bold red]{report.error_kind or 'error'}",
                            border_style="red", title_align="left"))

    if report.violations:
        table = Table(title="Banned or forbidden API use", title_style="bold red", show_lines=False,
                      title_justify="left", expand=True)
        table.add_column("where", style="cyan", no_wrap=True)
        table.add_column("what", style="bold")
        table.add_column("how / why")
        for v in report.violations:
            table.add_row(f"{v.file}:{v.line}", escape(v.api), escape(v.how))
        console.print(table)

    if report.cases and not (report.error and len(report.cases) <= 1):
        table = Table(expand=True, box=box.ROUNDED)
        table.add_column("", width=2)
        table.add_column("case", style="bold")
        table.add_column("max abs err", justify="right", style="dim")
        table.add_column("result")
        for c in report.cases:
            mark = Text("✓", style="green") if c.passed else Text("✗", style="red")
            msg = Text(c.about, style="dim") if c.passed else Text(_short(c.message), style="red")
            table.add_row(mark, escape(c.name), _fmt_err(c.max_abs_error), msg)
        console.print(table)

    failure = report.first_failure
    if failure is not None and not report.error:
        console.print(_failure_panel(failure))
    if report.diagnosis:
        d = report.diagnosis
        body = f"[bold]{escape(d['name'])}[/bold]\n{prose(d['explanation'])}"
        if d.get("hint"):
            body += f"\n[dim]hint:[/dim] {prose(d['hint'])}"
        title = EVIDENCE_TITLES.get(d.get("evidence"), "likely mistake")
        console.print(Panel(body, title=f"[bold yellow]{title}", border_style="yellow", title_align="left"))
    elif failure is not None and failure.status == "ok" and report.cases \
            and not any(loc.get("kind") == "ambiguous" for loc in report.localisation):
        console.print("[dim]No known mistake explains this output.[/dim]")
    for loc in report.localisation:
        console.print(Panel(prose(loc.get("text", "")), title=f"[bold magenta]{escape(loc.get('title', 'where it goes wrong'))}",
                            border_style="magenta", title_align="left"))

    printed = next((c for c in report.cases if c.output), None)
    if printed is not None:
        extra = f"\n[dim]... {printed.output_truncated} more bytes not shown (output truncated)[/dim]" \
            if printed.output_truncated else ""
        console.print(Panel(escape(printed.output[-2000:]) + extra,
                            title=f"[dim]your code printed (case {escape(printed.name)})", border_style="dim",
                            title_align="left"))
    if not ok and hint_command:
        console.print(f"[dim]Stuck? `grader hint {report.problem}` shows the next hint.[/dim]")


def _short(message: str, limit: int = 120) -> str:
    """The first clause of a message, for the case table; the panel below has the rest."""
    first = message.split("\n")[0]
    if "values differ" in first:
        first = first.split(";")[0]
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return first


def _failure_panel(c) -> Panel:
    lines = [f"[bold]{escape(c.name)}[/bold]" + (f"  [dim]{escape(c.about)}[/dim]" if c.about else "")]
    lines.append(escape(c.message))
    d = c.details or {}
    if "expected_shape" in d:
        lines.append(f"expected shape {tuple(d['expected_shape'])} {d.get('expected_dtype', '')}"
                     + (f"   got {tuple(d['actual_shape'])} {d.get('actual_dtype', '')}" if "actual_shape" in d else ""))
    if "index" in d and "expected_value" in d:
        lines.append(f"at index {tuple(d['index'])}: expected {d['expected_value']:.6g}, got {d['actual_value']:.6g}"
                     + (f"   ({d['mismatched']} of {d['total']} values outside tolerance)" if d.get("mismatched") else ""))
    if c.traceback:
        lines.append("")
        lines.append(escape(c.traceback))
    return Panel("\n".join(lines), title="[bold red]first failing case", border_style="red", title_align="left")
