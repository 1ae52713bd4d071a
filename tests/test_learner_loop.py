"""The learner's loop: `grader watch`, the notebook API, `grader progress`."""

import io
import json
import math
import os

import pytest
import torch
from click.testing import CliRunner
from rich.console import Console

from grader.cli import main
from grader.commands_learner import progress_rows
from grader.learner.watch import watch_loop
from grader.course.workspace import Workspace

UNBIASED = """import torch
def layer_norm(x, eps=1e-5):
    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps)
"""
FIXED = UNBIASED.replace("x.var(-1, keepdim=True)", "x.var(-1, keepdim=True, unbiased=False)")


@pytest.fixture
def ws(tmp_path, course):
    workspace = Workspace(tmp_path)
    workspace.init(course)
    return workspace


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def test_watch_rechecks_on_save_and_moves_on(ws, course, sandbox):
    (ws.root / "layer_norm.py").write_text(UNBIASED)
    saves = []

    def save_the_fix(seconds):  # stands in for the learner saving while the loop sleeps
        if not saves:
            (ws.root / "layer_norm.py").write_text(FIXED)
            os.utime(ws.root / "layer_norm.py", ns=(1, 2))
        saves.append(seconds)

    console = quiet()
    reports = watch_loop(ws, course, sandbox=sandbox, console=console, sleep=save_the_fix, max_polls=5)
    assert [r.passed for r in reports] == [False, True]
    assert reports[0].diagnosis["name"] == "unbiased variance"
    assert ws.status(course.get("layer-norm"))["status"] == "solved"
    assert "gelu" in console.file.getvalue()  # moved on to the next unsolved problem


def test_watch_waits_for_the_first_save_of_a_stub(ws, course, sandbox):
    console = quiet()
    reports = watch_loop(ws, course, "gelu", sandbox=sandbox, console=console, sleep=lambda s: None, max_polls=3)
    assert reports == []
    assert "waiting for your first save" in console.file.getvalue()


# Defined at module level, as in a notebook cell: check() reads their source.
EPS = 1e-5


def centred(x):
    return x - x.mean(-1, keepdim=True)


def my_layer_norm(x, eps=EPS):
    c = centred(x)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


def eps_outside(x, eps=1e-5):
    return centred(x) / (math.sqrt(1.0) * x.std(-1, keepdim=True, unbiased=False) + eps)


def test_notebook_check_passes_a_correct_function_and_names_a_wrong_one():
    from grader import check  # spawns the session's zygote (a fresh interpreter)

    good = check("layer-norm", my_layer_norm, show=False)
    assert good.passed, [c.message for c in good.cases if not c.passed]
    bad = check("layer-norm", eps_outside, show=False)
    assert not bad.passed and bad.diagnosis["name"] == "eps outside the square root"
    assert repr(bad).endswith(f"/{len(bad.cases)} cases, likely mistake: eps outside the square root>")


def test_notebook_source_carries_helpers_imports_and_constants():
    from grader.learner.notebook import SourceError, collect_source

    source, warnings = collect_source(eps_outside, "layer_norm")
    assert "import math" in source and "import torch" not in source  # only what it uses
    assert "def centred(x):" in source and source.rstrip().endswith("layer_norm = eps_outside")
    source, warnings = collect_source(my_layer_norm)
    assert "import torch" in source and "EPS = 1e-05" in source and warnings == []
    with pytest.raises(SourceError):
        collect_source(lambda x: x)


def test_notebook_check_applies_the_banned_list(sandbox):
    from grader.learner.notebook import check

    def sneaky(x, eps=1e-5):
        return torch.nn.functional.layer_norm(x, x.shape[-1:], eps=eps)

    report = check("layer-norm", sneaky, show=False, sandbox=sandbox)
    assert not report.passed and report.score == 0.0
    assert any(v.api == "torch.nn.functional.layer_norm" for v in report.violations)


def test_progress_states(ws, course, sandbox):
    from grader.verdict.runner import check_problem

    for slug, source in (("layer-norm", FIXED), ("gelu", "def gelu(x):\n    return x\n")):
        path = ws.file_for(course.get(slug))
        path.write_text(source)
        ws.record(check_problem(course, course.get(slug), file=path, workspace=ws.root, sandbox=sandbox))
    ws.file_for(course.get("attention")).write_text("# started\n")
    rows = {r["slug"]: r for r in progress_rows(ws, course)}
    assert rows["layer-norm"]["status"] == "solved" and rows["layer-norm"]["last_verdict"] == "passed"
    assert rows["gelu"]["status"] == "attempted" and rows["gelu"]["last_verdict"] == "failed"
    assert rows["attention"]["status"] == "started"
    assert rows["transformer-block"]["status"] == "untouched"


def test_progress_command_json(ws, course):
    ws.file_for(course.get("layer-norm")).write_text(FIXED)
    result = CliRunner().invoke(main, ["progress", "--json"], env={"GRADER_WORKSPACE": str(ws.root)})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["started"] == 1 and data["next"] == "layer-norm"
    assert [p["slug"] for p in data["problems"]][:2] == ["layer-norm", "gelu"]


def test_notebook_check_reads_functions_defined_in_ipython_cells(sandbox):
    shell_module = pytest.importorskip("IPython.core.interactiveshell")
    shell = shell_module.InteractiveShell.instance()
    shell.user_ns["grader_sandbox"] = sandbox
    for cell in ("import math, torch\nfrom grader import check",
                 "def cube(x):\n    return x ** 3",
                 "def gelu(x):\n    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * cube(x))))",
                 "report = check('gelu', show=False, sandbox=grader_sandbox)"):
        assert shell.run_cell(cell).success
    assert shell.user_ns["report"].passed


def test_reset_unsolves_the_problem_so_watch_and_progress_send_you_back(ws, course):
    state = ws.load()
    for problem in course:
        ws.entry(state, problem.slug).update(solved=True, attempts=1, last_verdict="passed")
    ws.save(state)
    result = CliRunner().invoke(main, ["reset", "gelu"], env={"GRADER_WORKSPACE": str(ws.root)})
    assert result.exit_code == 0, result.output
    gelu = ws.status(course.get("gelu"))
    assert gelu["status"] == "attempted" and gelu["attempts"] == 1  # history kept, not solved
    rows = {r["slug"]: r for r in progress_rows(ws, course)}
    assert rows["gelu"]["status"] == "attempted" and rows["layer-norm"]["status"] == "solved"
    progress = CliRunner().invoke(main, ["progress"], env={"GRADER_WORKSPACE": str(ws.root), "COLUMNS": "200"})
    assert "before your reset" in progress.output and "Next: gelu" in progress.output
    console = quiet()
    watch_loop(ws, course, sandbox=None, console=console, sleep=lambda s: None, max_polls=1)
    shown = console.file.getvalue()
    assert "Every problem is solved" not in shown and "gelu.py is still the stub" in shown


def hint_output(ws, *args) -> str:
    result = CliRunner().invoke(main, ["hint", *args], env={"GRADER_WORKSPACE": str(ws.root), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_hint_command_says_when_it_is_the_last_and_rereads_any(ws, course):
    hints = course.get("gelu").hints
    n = len(hints)
    for _ in range(n - 1):
        assert "last hint" not in hint_output(ws, "gelu")
    assert f"That was the last hint ({n} of {n})" in hint_output(ws, "gelu")
    again = hint_output(ws, "gelu")
    assert "No more hints" in again and f"Hint {n}/{n}" in again and f"({n} of {n})" in again
    assert "Hint 1/" in hint_output(ws, "gelu", "1") and "last hint" not in hint_output(ws, "gelu", "1")
    everything = hint_output(ws, "gelu", "--all")
    assert all(f"Hint {i}/{n}" in everything for i in range(1, n + 1))
    out_of_range = CliRunner().invoke(main, ["hint", "gelu", str(n + 1)], env={"GRADER_WORKSPACE": str(ws.root)})
    assert out_of_range.exit_code == 2 and f"has {n} hint(s)" in out_of_range.output
