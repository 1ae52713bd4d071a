"""Showing a verdict: a rich terminal report, or one JSON object for machines."""

from __future__ import annotations

import json
import re

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape as escape_markup
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..evidence.finding import hint_to_show
from ..sandbox.printable import printable
from .results import Report


def escape(text: str) -> str:
    """Text for rich markup: no markup of its own, and no control character a terminal acts
    on. Much of what a report shows was written by learner code (messages, printed output,
    a type's name inside a message, a forged violation): all of it is drawn as text."""
    return escape_markup(printable(str(text)))

# The diagnosis panel's title says what the diagnosis rests on (grader/evidence/finding.py).
EVIDENCE_TITLES = {"known-mistake": "likely mistake", "property": "what is wrong (a property a right answer has)",
                   "ablation": "what is wrong (parts of your model switched off)",
                   "check": "what is wrong (the failing check)",
                   "variant": "what is wrong (the right code with one slip)"}
# The confidence, in words the learner reads (grader/evidence/finding.py's Confidence).
CONFIDENCE_WORDS = {"proven": "proven by the experiment above",
                    "consistent with": "consistent with what was measured, not proven",
                    "localised only": "the place is found, the cause is not"}


def to_json(report: Report) -> str:
    """The report as strict JSON: no NaN or Infinity (grader/verdict/results.py's strict_values)."""
    return json.dumps(report.to_dict(), indent=2, default=str, allow_nan=False)


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
    if value is None:
        return ""
    if isinstance(value, str):  # a non-finite error as the JSON spells it ("nan", "inf")
        return value
    return f"{value:.2e}"


SCREEN_LINES = 40  # a typical failing report fits one screen; the rest is behind --verbose
TRACEBACK_LINES = 8  # the last lines of a traceback shown without --verbose


def render(report: Report, console: Console | None = None, hint_command: bool = True,
           verbose: bool = False, max_lines: int = SCREEN_LINES) -> None:
    """Print the report. Without `verbose` it fits `max_lines` lines: the header, any error,
    banned use and diagnosis always; then the case table, the first failing case and the
    evidence panels in that order while they fit; the rest is named in a closing line that
    points at --verbose. Every line fits the console's width."""
    console = console or Console()
    sections = _sections(report, hint_command, verbose)
    if verbose:
        for section in sections:
            console.print(section.renderable)
        return
    options = console.options.update_width(console.width)
    heights = [len(console.render_lines(s.renderable, options, pad=False)) for s in sections]
    budget = max_lines - sum(h for s, h in zip(sections, heights) if s.required)
    optional = [(s, h) for s, h in zip(sections, heights) if not s.required]
    left_out: list[_Section] = []
    if sum(h for _, h in optional) > budget:
        budget -= CLOSING_LINES  # the closing line(s) that say what is not shown
        # Without a diagnosis the evidence panels say more than the case table: they go first.
        first = ("the first failing case", *(() if report.diagnosis else ("evidence",)))
        for section, height in sorted(optional, key=lambda sh: 0 if sh[0].kind in first else 1):
            if height <= budget:
                budget -= height
            else:
                left_out.append(section)
    for section in sections:
        if section not in left_out:
            console.print(section.renderable)
    if left_out:
        console.print(_closing_line(left_out, console, options))


CLOSING_LINES = 2


def _closing_line(left_out: list, console: Console, options) -> Text:
    """What --verbose would add, by name when that fits in CLOSING_LINES lines."""
    names = "; ".join(dict.fromkeys(s.name for s in left_out))
    line = Text(f"Not shown: {names}. `--verbose` shows everything.", style="dim")
    if len(console.render_lines(line, options, pad=False)) > CLOSING_LINES:
        line = Text(f"Not shown: {len(left_out)} more parts. `--verbose` shows everything.", style="dim")
    return line


class _Section:
    """One block of the report: what to print, what to call it when it is left out, and
    whether it is always printed."""

    def __init__(self, renderable, name: str, required: bool = False, kind: str = ""):
        self.renderable = Text.from_markup(renderable) if isinstance(renderable, str) else renderable
        self.name, self.required, self.kind = name, required, kind or name


def _sections(report: Report, hint_command: bool, verbose: bool) -> list[_Section]:
    ok = report.passed
    out = [_Section(Panel(_header(report), border_style="green" if ok else "red", expand=True), "header", True)]

    if report.error:
        out.append(_Section(Panel(escape(report.error), title=f"[bold red]{report.error_kind or 'error'}",
                                  border_style="red", title_align="left"), "the error", True))

    if report.violations:
        out.append(_Section(_violations_table(report), "banned use", True))

    if report.cases and not (report.error and len(report.cases) <= 1):
        out.append(_Section(_case_table(report, verbose), "the case table"))

    failure = report.first_failure
    if failure is not None and not report.error:
        out.append(_Section(_failure_panel(failure, verbose), "the first failing case"))
    if report.diagnosis:
        d = report.diagnosis
        body = f"[bold]{escape(d['name'])}[/bold]\n{prose(d['explanation'])}"
        if d.get("confidence") in CONFIDENCE_WORDS:
            body += f"\n[dim]how sure:[/dim] {escape(CONFIDENCE_WORDS[d['confidence']])}"
        if hint_to_show(d):
            body += f"\n[dim]hint:[/dim] {prose(hint_to_show(d))}"
        title = EVIDENCE_TITLES.get(d.get("evidence"), "likely mistake")
        out.append(_Section(Panel(body, title=f"[bold yellow]{title}", border_style="yellow", title_align="left"),
                            "the diagnosis", True))
    elif failure is not None and failure.status == "ok" and report.cases \
            and not any(loc.get("kind") == "ambiguous" for loc in report.localisation):
        out.append(_Section("[dim]No known mistake explains this output.[/dim]", "note", True))
    for loc in report.localisation:
        title = loc.get("title", "where it goes wrong")
        out.append(_Section(Panel(prose(loc.get("text", "")), title=f"[bold magenta]{escape(title)}",
                                  border_style="magenta", title_align="left"), title.split(" (")[0], kind="evidence"))

    printed = next((c for c in report.cases if c.output), None)
    if printed is not None:
        out.append(_Section(_printed_panel(printed, verbose), "what your code printed"))
    if not ok and hint_command:
        out.append(_Section(f"[dim]Stuck? `grader hint {report.problem}` shows the next hint.[/dim]", "hint", True))
    return out


def _header(report: Report) -> Text:
    """The verdict line: pieces that never break inside ("score 0.18" stays whole),
    packed into lines as the console's width allows."""
    ok = report.passed
    pieces = [Text.assemble(("PASSED" if ok else "FAILED", "bold green" if ok else "bold red"),
                            "  ", (report.title, "bold"))]
    if report.error_kind == "not-implemented":
        pieces.append(Text("not implemented yet", style="yellow"))
    elif report.cases:
        n_ok = sum(c.passed for c in report.cases)
        pieces.append(Text(f"{n_ok}/{len(report.cases)} cases", style="green" if ok else "yellow"))
    pieces.append(Text(f"score {report.score:.2f}", style="bold"))
    pieces.append(Text(printable(report.file), style="dim"))  # a path's folders are named by whoever made them
    if report.isolation:
        started = f" ({report.start_method})" if report.start_method else ""  # spawn: grader/sandbox/start_method.py
        pieces.append(Text(f"isolation: {report.isolation}{started}",
                           style="dim" if report.isolation == "namespaces" else "yellow"))
    return _Packed(pieces)


class _Packed:
    """Pieces of text laid out left to right, a new line wherever the next one does not fit;
    a piece wider than a whole line is folded on its own."""

    def __init__(self, pieces: list[Text], gap: str = "   "):
        self.pieces, self.gap = pieces, gap

    def __rich_console__(self, console, options):
        lines: list[Text] = [Text()]
        for piece in self.pieces:
            line = lines[-1]
            if line.cell_len and line.cell_len + len(self.gap) + piece.cell_len > options.max_width:
                lines.append(Text())
                line = lines[-1]
            if line.cell_len:
                line.append(self.gap)
            line.append_text(piece)
        for line in lines:
            yield from console.render(line, options)

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement(max((p.cell_len for p in self.pieces), default=0), options.max_width)


def _violations_table(report: Report) -> Table:
    """Each banned or forbidden use once per place and name, with every way it was seen."""
    table = Table(title="Banned or forbidden API use", title_style="bold red", title_justify="left", expand=True)
    table.add_column("where", style="cyan", no_wrap=True)
    table.add_column("what", style="bold")
    table.add_column("how / why")
    seen: dict[tuple[str, int, str], list[str]] = {}
    for v in report.violations:
        seen.setdefault((v.file, v.line, v.api), [])
        if v.how not in seen[(v.file, v.line, v.api)]:
            seen[(v.file, v.line, v.api)].append(v.how)
    for (file, line, api), hows in seen.items():
        table.add_row(escape(f"{file}:{line}"), escape(api), escape("; ".join(hows)))
    return table


def _case_groups(cases) -> list[tuple[list, object]]:
    """Cases in order, a failing case joining the first earlier failing case with the same
    message: (the cases, the case whose row shows them)."""
    groups: list[tuple[list, object]] = []
    by_message: dict[str, list] = {}
    for c in cases:
        if not c.passed and c.message in by_message:
            by_message[c.message].append(c)
            continue
        members = [c]
        if not c.passed:
            by_message[c.message] = members
        groups.append((members, c))
    return groups


def _case_table(report: Report, verbose: bool) -> Table:
    """One row per case; failing cases with the same message share one row that names
    them all. Without verbose a row is one line (the first failing case's panel has the
    whole message)."""
    compact = not verbose
    table = Table(expand=True, box=box.ROUNDED)
    table.add_column("", width=1, no_wrap=True)
    longest = max((cell_len(c.name) for c in report.cases), default=4)
    widest = min(max(longest, 26), 34) if verbose else 26  # room for the result column at 80 columns
    table.add_column("case", style="bold", min_width=min(longest, 22), max_width=widest, overflow="fold")
    if any(c.max_abs_error is not None for c in report.cases):
        table.add_column("max err", justify="right", style="dim", no_wrap=True)
    table.add_column("result", ratio=1)
    every = len(report.cases)
    for members, c in _case_groups(report.cases):
        mark = Text("✓", style="green") if c.passed else Text("✗", style="red")
        alone = len(members) == 1
        if alone:
            name = Text(c.name, no_wrap=compact, overflow="ellipsis")
        else:  # said once, for every case it is true of
            name = Text(f"all {every} cases" if len(members) == every
                        else f"{len(members)} cases: " + ", ".join(m.name for m in members))
        one_line = dict(no_wrap=compact and alone, overflow="ellipsis" if compact and alone else "fold")
        shown = printable(_short(c.message))  # a Text is no markup, but its control characters reach the terminal
        msg = Text(c.about, style="dim", **one_line) if c.passed else Text(shown, style="red", **one_line)
        row = [mark, name]
        if len(table.columns) == 4:
            row.append(_fmt_err(c.max_abs_error) if len(members) == 1 else "")
        table.add_row(*row, msg)
    return table


def _printed_panel(printed, verbose: bool) -> Panel:
    text = printed.output[-2000:]
    if not verbose:
        kept = text.rstrip("\n").splitlines()[-10:]
        text = "\n".join(kept)
    extra = f"\n[dim]... {printed.output_truncated} more bytes not shown (output truncated)[/dim]" \
        if printed.output_truncated else ""
    return Panel(escape(text) + extra, title=f"[dim]your code printed (case {escape(printed.name)})",
                 border_style="dim", title_align="left")


def _short(message: str, limit: int = 120) -> str:
    """The first clause of a message, for the case table; the panel below has the rest."""
    first = message.split("\n")[0]
    if "values differ" in first:
        first = first.split(";")[0]
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return first


def _failure_panel(c, verbose: bool = True) -> Panel:
    lines = [f"[bold]{escape(c.name)}[/bold]" + (f"  [dim]{escape(c.about)}[/dim]" if c.about else "")]
    lines.append(escape(c.message))
    d = c.details or {}
    shapes_differ = (d.get("expected_shape"), d.get("expected_dtype")) != (d.get("actual_shape"), d.get("actual_dtype"))
    if "expected_shape" in d and (verbose or shapes_differ):
        lines.append(f"expected shape {tuple(d['expected_shape'])} {d.get('expected_dtype', '')}"
                     + (f"   got {tuple(d['actual_shape'])} {d.get('actual_dtype', '')}" if "actual_shape" in d else ""))
    said = "index" in d and "expected_value" in d and f"expected {_value(d['expected_value'])}" in c.message
    if "index" in d and "expected_value" in d and (verbose or not said):
        lines.append(f"at index {tuple(d['index'])}: expected {_value(d['expected_value'])}, "
                     f"got {_value(d['actual_value'])}"
                     + (f"   ({d['mismatched']} of {d['total']} values outside tolerance)" if d.get("mismatched") else ""))
    traceback = (c.traceback or "").strip("\n").rstrip()
    if traceback and traceback != "None":
        tb_lines = traceback.splitlines()
        if not verbose and len(tb_lines) > TRACEBACK_LINES:
            tb_lines = ["  ..."] + tb_lines[-TRACEBACK_LINES:]
        lines.append("")
        lines.append(escape("\n".join(tb_lines)))
    return Panel("\n".join(lines), title="[bold red]first failing case", border_style="red", title_align="left")


def _value(value) -> str:
    return value if isinstance(value, str) else f"{value:.6g}"
