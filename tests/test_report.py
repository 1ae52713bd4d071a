"""How a verdict and a statement look on the terminal: framed tables, markdown emphasis
rendered rather than shown as asterisks, code blocks never folded."""

import io

from click.testing import CliRunner
from rich.console import Console

from grader.cli import main
from grader.verdict.report import prose, render
from test_top_p import WRONG


def rendered(report, width=100) -> str:
    console = Console(file=io.StringIO(), width=width)
    render(report, console)
    return console.file.getvalue()


def test_a_diagnosis_renders_emphasis_instead_of_asterisks(grade):
    report = grade("top-p", WRONG["drops the token that crosses p"])
    assert report.diagnosis["name"] == "drops the token that crosses p"
    assert "*including itself*" in report.diagnosis["explanation"]  # the source text is markdown
    shown = rendered(report)
    assert "cumulative mass including itself stays within p" in " ".join(shown.replace("│", " ").split())
    assert "*including" not in shown


def test_emphasis_leaves_arithmetic_alone():
    assert prose("0.5 * x * (1 + x**3) and [x]") == "0.5 * x * (1 + x**3) and \\[x]"
    assert prose("**strong** and *em*") == "[bold]strong[/bold] and [italic]em[/italic]"


def test_the_case_table_has_both_borders(grade):
    shown = rendered(grade("gelu", "def gelu(x):\n    return x\n"))
    rows = [line for line in shown.splitlines() if "max err" in line or "✗" in line or "✓" in line]
    assert rows and all(line.startswith("│") and line.endswith("│") for line in rows), rows


def test_show_keeps_code_lines_whole_at_80_columns():
    result = CliRunner().invoke(main, ["show", "attention"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads," in line for line in lines)
    assert any("# q.view(N, T, num_heads, d_head) -> (N, num_heads, T, d_head)" in line for line in lines)
    prose_lines = [line for line in lines if "Attention is how a position" in line]
    assert prose_lines and all(len(line) <= 80 for line in prose_lines)  # prose still wraps


def test_init_here_does_not_say_cd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    here = CliRunner().invoke(main, ["init", "."], env={"COLUMNS": "200"})
    assert here.exit_code == 0 and "cd ." not in here.output and "Next: `grader show layer-norm`" in here.output
    there = CliRunner().invoke(main, ["init", "elsewhere"], env={"COLUMNS": "200"})
    assert "`cd elsewhere` then `grader show layer-norm`" in there.output
