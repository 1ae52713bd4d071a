"""The code an author wrote in prose: where it is, as plain data.

A statement (problems/<slug>/README.md), the hints (problem.toml) and the stub's docstring
hold code that is not a doctest: inline `backtick` expressions, fenced blocks without
`>>>`, indented blocks. Each piece is a `Snippet` that says where it is (file and line),
so a finding about it can point there. Nothing here runs anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


class Where(Enum):
    INLINE = "inline code"
    BLOCK = "code block"
    LINE = "line"


@dataclass(frozen=True)
class Snippet:
    file: str  # as shown to the author (relative to the problem's folder)
    line: int
    text: str
    where: Where
    label: str = ""  # e.g. "hint 2"

    def at(self) -> str:
        label = f" ({self.label})" if self.label else ""
        return f"{self.file}:{self.line}{label}"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def fenced_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, body) of every fenced block."""
    return [(_line_of(text, m.start(1)), m.group(1)) for m in FENCE.finditer(text)]


def indented_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, dedented body) of every 4-space indented block outside fences and lists."""
    fenced = [(m.start(), m.end()) for m in FENCE.finditer(text)]
    out, lines, offset = [], text.split("\n"), 0
    current: list[str] = []
    start = 0
    previous_blank = True
    for number, line in enumerate(lines, 1):
        inside_fence = any(a <= offset < b for a, b in fenced)
        offset += len(line) + 1
        indented = line.startswith("    ") and line.strip() and not inside_fence
        if indented and (current or previous_blank):
            if not current:
                start = number
            current.append(line[4:])
        elif current and not line.strip():
            current.append("")
        elif current:
            out.append((start, "\n".join(current).rstrip()))
            current = []
        previous_blank = not line.strip()
    if current:
        out.append((start, "\n".join(current).rstrip()))
    return [(n, body) for n, body in out if body.strip()]


def inline_spans(text: str, file: str, first_line: int = 1, label: str = "") -> list[Snippet]:
    """Every `inline` code span outside fenced blocks."""
    fenced = [(m.start(), m.end()) for m in FENCE.finditer(text)]
    out = []
    for m in INLINE.finditer(text):
        if any(a <= m.start() < b for a, b in fenced):
            continue
        out.append(Snippet(file, first_line + _line_of(text, m.start()) - 1, m.group(1).strip(), Where.INLINE, label))
    return out


def statement_snippets(statement: Path, file: str) -> list[Snippet]:
    """Inline spans, fenced blocks without `>>>` and indented blocks of the statement."""
    if not statement.exists():
        return []
    text = statement.read_text(encoding="utf-8", errors="replace")
    out = inline_spans(text, file)
    for line, body in fenced_blocks(text) + indented_blocks(text):
        if ">>>" not in body:
            out.append(Snippet(file, line, body, Where.BLOCK))
    return out


def hint_line(source: str, hint: str) -> int:
    """The line of problem.toml where a hint starts (1 when its text is escaped beyond recognition)."""
    probe = hint[:40]
    at = source.find(probe) if probe else -1
    return _line_of(source, at) if at >= 0 else 1


def hint_snippets(toml_path: Path, hints: list[str], file: str) -> list[Snippet]:
    """Inline spans of each hint, located on the line of problem.toml where the hint is."""
    source = toml_path.read_text(encoding="utf-8", errors="replace") if toml_path.exists() else ""
    return [span for i, hint in enumerate(hints, 1) if isinstance(hint, str)
            for span in inline_spans(hint, file, hint_line(source, hint), f"hint {i}")]


def hint_lines(toml_path: Path, hints: list[str], file: str) -> list[Snippet]:
    """Each hint as one line of text, placed where it is in problem.toml."""
    source = toml_path.read_text(encoding="utf-8", errors="replace") if toml_path.exists() else ""
    return [Snippet(file, hint_line(source, hint), hint, Where.LINE, f"hint {i}")
            for i, hint in enumerate(hints, 1) if isinstance(hint, str)]


def text_lines(path: Path, file: str) -> list[Snippet]:
    """Every line of a text file (prose examples may be anywhere)."""
    if not path.exists():
        return []
    return [Snippet(file, n, line, Where.LINE)
            for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)]
