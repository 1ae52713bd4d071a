"""A problem statement on the terminal: markdown whose code blocks are never wrapped.

Rich wraps code blocks at the console width (80 columns when piped), which breaks a
signature or an aligned comment in the middle, and pads every line to that width. Here a
code block is rendered at the width of its own longest line, no wider: the statements
keep code lines within CODE_WIDTH columns, so on an 80-column terminal nothing wraps or
runs on; printed with `crop=False`, a line wider than a narrower terminal runs on instead
of folding into the next.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import CodeBlock, Markdown
from rich.syntax import Syntax

CODE_PADDING = 1  # columns either side of a code block's text
CODE_WIDTH = 76  # the widest code line a statement may hold (tests/test_report.py keeps them so)


class UnwrappedCodeBlock(CodeBlock):
    """A fenced or indented code block, as wide as its longest line (not the terminal)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        longest = max((len(line) for line in code.splitlines()), default=0) + 2 * CODE_PADDING
        syntax = Syntax(code, self.lexer_name, theme=self.theme, word_wrap=False, padding=(0, CODE_PADDING))
        yield from console.render(syntax, options.update_width(longest))


class Statement(Markdown):
    """Markdown for `grader show`: prose wraps to the terminal, code does not."""

    elements = {**Markdown.elements, "fence": UnwrappedCodeBlock, "code_block": UnwrappedCodeBlock}
