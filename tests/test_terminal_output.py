"""Output made for a terminal (issue 18): a typical failing report fits one screen at 80
columns, statements and `grader list` fit 80 columns, `--json` is strict JSON, usage
errors under --json are JSON too, and the smaller defects stay fixed."""

import io
import json
import math
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

from grader.cli import main
from grader.verdict.report import SCREEN_LINES, render, to_json
from grader.verdict.results import CaseResult, Report

import test_causal_lm
import test_gelu
import test_layer_norm
import test_top_k
import test_transformer_block

REPO = Path(__file__).resolve().parent.parent
BANNED_CALL = "import torch\ndef gelu(x):\n    return torch.nn.functional.gelu(x, approximate='tanh')\n"

TYPICAL = {  # one typical failing solution per problem, from the tests' wrong solutions
    "layer-norm": test_layer_norm.WRONG["unbiased variance"],
    "gelu": test_gelu.WRONG["exact (erf) GELU instead of the tanh approximation"],
    "transformer-block": test_transformer_block.WRONG["post-LN instead of pre-LN"],
    "causal-lm": test_causal_lm.WRONG["no causal mask"],
    "top-k": test_top_k.WRONG["temperature ignored"],
}


def rendered(report, width=80, verbose=False) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    render(report, console, verbose=verbose)
    return console.file.getvalue()


def strict_loads(text: str):
    """json.loads that refuses NaN and Infinity, as strict parsers do."""
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")
    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------- one screen, 80 columns
@pytest.mark.parametrize("slug", list(TYPICAL) + ["a banned call"])
def test_a_typical_failing_report_fits_one_screen_of_80_columns(grade, slug):
    report = grade("gelu", BANNED_CALL) if slug == "a banned call" else grade(slug, TYPICAL[slug])
    assert not report.passed
    lines = rendered(report).rstrip("\n").splitlines()
    assert len(lines) <= SCREEN_LINES, "\n".join(lines)
    assert max(cell_len(line) for line in lines) <= 80
    if report.diagnosis:  # the diagnosis is never what gets left out
        assert report.diagnosis["name"].split()[0] in " ".join(lines)


def test_verbose_shows_what_the_screen_leaves_out(grade):
    report = grade("causal-lm", TYPICAL["causal-lm"])
    short, full = rendered(report), rendered(report, verbose=True)
    assert len(full.splitlines()) > SCREEN_LINES >= len(short.splitlines())
    assert "--verbose" in short and "--verbose" not in full
    for loc in report.localisation:  # every panel is in the verbose report
        assert loc["title"][:30] in full
    wide = rendered(report, width=240, verbose=True)
    assert all(c.name in wide for c in report.cases)


def test_a_message_shared_by_every_case_is_said_once(grade):
    report = grade("gelu", BANNED_CALL)
    shown = rendered(report)
    table = shown.split("first failing case")[0]
    assert f"all {len(report.cases)} cases" in table and len(report.cases) >= 10
    assert table.count("banned API called") == 1  # was once per case row: 10 times, 66 lines
    assert len(shown.splitlines()) < 35


def test_cases_sharing_a_message_are_named_in_their_row():
    cases = [CaseResult("alpha", False, "same words"), CaseResult("beta", True, about="fine"),
             CaseResult("gamma", False, "same words"), CaseResult("delta", False, "other words")]
    report = Report("gelu", "GELU", "gelu.py", 0, cases=cases)
    shown = rendered(report, width=100)
    assert "2 cases: alpha, gamma" in shown and shown.count("same words") == 2  # the row, the first failing case
    assert "other words" in shown and "beta" in shown


@pytest.mark.parametrize("width", [60, 72, 80, 100, 140])
def test_the_header_keeps_score_with_its_value(width):
    report = Report("causal-lm", "Causal language model (GPT-2's forward pass)",
                    "/tmp/some/long/path/to/the/workspace/causal_lm.py", 0, score=0.18,
                    cases=[CaseResult("c", False, "m")], isolation="namespaces")
    header = rendered(report, width=width).split("╰")[0]
    assert "score 0.18" in header  # never "score" at the end of one line and "0.18" on the next
    assert max(cell_len(line) for line in header.splitlines()) <= width


def test_no_literal_none_line_and_traceback_is_null(grade):
    report = grade("gelu", "def gelu(x):\n    return x\n")
    assert all(c.traceback in ("", None) for c in report.cases)  # a wrong value raises nothing
    assert not any(line.strip("│ ") == "None" for line in rendered(report).splitlines())
    data = strict_loads(to_json(report))
    assert all(c["traceback"] is None for c in data["cases"])
    raised = grade("gelu", "def gelu(x):\n    raise ValueError('boom')\n")
    assert "ValueError: boom" in strict_loads(to_json(raised))["cases"][0]["traceback"]


# --------------------------------------------------------------------------- statements and list
@pytest.mark.parametrize("slug", ["layer-norm", "gelu", "attention", "transformer-block", "mlm-forward",
                                  "mlm-tied-head", "causal-lm", "reverse-embedding", "kv-cache", "top-k", "top-p",
                                  "sample", "generate"])
def test_every_statement_fits_80_columns(slug, course):
    problem = course.get(slug)
    result = CliRunner().invoke(main, ["show", slug], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    widest = max(cell_len(line.rstrip()) for line in result.output.splitlines())
    assert widest <= 80
    code, inside = [], False
    for line in problem.statement_path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            code.append(line)
    assert max(cell_len(line) for line in code) <= 76  # grader/learner/statement.py's CODE_WIDTH


def test_a_code_block_is_not_padded_to_the_terminal():
    from grader.learner.statement import Statement

    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(Statement("Text.\n\n```python\nx = 1\n```\n"), crop=False)
    code = [line for line in console.file.getvalue().splitlines() if "x = 1" in line]
    assert code and len(code[0].rstrip()) < 20 and len(code[0]) < 20


def test_list_fits_80_columns_one_line_per_problem_with_human_times(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_WORKSPACE", raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["init", "."]).exit_code == 0
    state_path = tmp_path / ".grader" / "state.json"
    state = json.loads(state_path.read_text())
    # 20 minutes, not hours: "2 h ago" became "yesterday" in the two hours after midnight
    twenty_min = (datetime.now() - timedelta(minutes=20, seconds=30)).strftime("%Y-%m-%dT%H:%M:%S")
    state["problems"]["gelu"].update(attempts=1, last_verdict="failed", last_cases="3/10", last_checked=twenty_min)
    state_path.write_text(json.dumps(state))
    result = runner.invoke(main, ["list"], env={"COLUMNS": "80"}, terminal_width=80)
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    gelu = [line for line in lines if " gelu " in line]
    assert len(gelu) == 1 and "failed 3/10" in gelu[0] and "20 min ago" in gelu[0]
    assert "T" not in gelu[0].split("20 min ago")[0].split("failed")[1]  # no raw ISO timestamp
    rows = [line for line in lines if line.startswith(" ") and any(p in line for p in ("untouched", "attempted"))]
    assert len(rows) == 13  # one line per problem: titles are not wrapped


def test_ago_says_times_as_people_do():
    from grader.commands_learner import ago

    now = datetime(2026, 12, 7, 15, 0, 0)
    assert ago("2026-12-07T14:59:30", now) == "just now"
    assert ago("2026-12-07T14:40:00", now) == "20 min ago"
    assert ago("2026-12-07T12:30:00", now) == "2 h ago"
    assert ago("2026-12-06T23:30:00", now) == "yesterday"
    assert ago("2026-12-03T10:00:00", now) == "4 days ago"
    assert ago("2026-10-01T10:00:00", now) == "2026-10-01"
    assert ago(None, now) == ""


# --------------------------------------------------------------------------- strict JSON
def test_non_finite_numbers_are_strings_in_strict_json(validator_schema):
    report = Report("gelu", "GELU", "gelu.py", 0, cases=[
        CaseResult("nan out", False, "NaN", max_abs_error=math.nan,
                   details={"expected_value": math.inf, "actual_value": -math.inf, "index": [0]}),
        CaseResult("fine", True, max_abs_error=1e-7)])
    text = to_json(report)
    data = strict_loads(text)
    case = data["cases"][0]
    assert case["max_abs_error"] == "nan" and case["traceback"] is None
    assert case["details"]["expected_value"] == "inf" and case["details"]["actual_value"] == "-inf"
    assert data["cases"][1]["max_abs_error"] == 1e-7
    assert list(validator_schema.iter_errors(data)) == []
    assert "nan" in rendered(report, width=100)  # the terminal reads the same values


@pytest.fixture(scope="module")
def validator_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from grader.verdict.results import REPORT_SCHEMA

    return jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text()))


def test_a_nan_output_through_the_cli_is_strict_json(tmp_path, validator_schema):
    path = tmp_path / "gelu.py"
    path.write_text("import torch\ndef gelu(x):\n    return x * float('nan')\n")
    result = CliRunner().invoke(main, ["check", "gelu", "--file", str(path), "--json"])
    assert result.exit_code == 1
    data = strict_loads(result.stdout)
    assert data["passed"] is False and list(validator_schema.iter_errors(data)) == []


@pytest.mark.parametrize("args", [["check", "no-such-problem", "--json"],
                                  ["check", "gelu", "--json", "--no-such-option"],
                                  ["check", "gelu", "--json", "--seed", "abc"],
                                  ["check", "gelu", "--file", "missing.py", "--json"]])
def test_a_usage_error_under_json_is_one_json_object_on_stdout(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("GRADER_WORKSPACE", None)
    done = subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 2
    data = strict_loads(done.stdout)  # exactly one object: json.loads refuses anything after it
    assert data["error_kind"] == "usage-error" and data["exit_code"] == 2 and data["error"]
    assert done.stderr.strip()  # still explained for a person


# --------------------------------------------------------------------------- smaller defects
def test_only_properties_checked_and_held_are_listed_as_satisfied():
    from grader.properties import HELD, Broken, Property, read_properties

    def prop(name):
        return Property(name, (), lambda o, t: None, f"not {name}", "inputs")

    found = read_properties([(prop("a"), Broken("seen a")), (prop("b"), HELD), (prop("c"), None)])
    assert "Satisfied: b." in found.explanation and "c" not in found.explanation.split("Satisfied:")[1]


def test_a_copied_head_is_not_said_to_pass_gradient(grade):
    source = textwrap.dedent("""
        import torch
        from torch import nn
        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self.weight = embedding.weight.clone()
            def forward(self, hidden):
                return hidden @ self.weight.T
    """)
    report = grade("reverse-embedding", source)
    explanation = report.diagnosis["explanation"]
    satisfied = explanation.split("Satisfied:")[1] if "Satisfied:" in explanation else ""
    assert "gradient" not in satisfied and "following in-place edits" not in satisfied


def test_mask_after_the_softmax_says_the_future_leaks(course):
    mistake = next(m for m in course.get("causal-lm").reference.MISTAKES if m.name == "mask applied after the softmax")
    assert "Nothing leaks" not in mistake.explanation and "leaks in" in mistake.explanation


def test_a_diagnosis_name_is_never_cut_mid_word():
    from grader.verdict.explain import headline, sentence_case

    text = ("the step at index 2 did 1,000 FLOPs, about what recomputing the whole prefix costs; at index 11 it "
            "did more. Your step does work for earlier positions: project only the new token and read the rest")
    short = headline(text, 120)
    assert len(short) <= 122 and short.endswith(" …") and text.startswith(short[:-2])
    assert text[len(short) - 2] in " ,;:"  # it ends where a word or a clause ends
    assert sentence_case('the case "1-D vector"') == 'The case "1-D vector"'


def test_a_case_name_keeps_its_capitals_in_an_explanation(grade):
    report = grade("layer-norm", """
        import torch
        def layer_norm(x, eps=1e-5):
            if x.dim() == 1:
                raise ValueError("one vector")
            c = x - x.mean(-1, keepdim=True)
            return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
    """)
    assert not report.passed and report.diagnosis is not None
    assert "1-D vector" in report.diagnosis["explanation"] and "1-d vector" not in report.diagnosis["explanation"]


def test_a_wrong_signature_names_the_contracts_parameters(grade):
    report = grade("top-k", "import torch\ndef top_k_probs(logits, t, kk):\n    return logits\n")
    message = report.cases[0].message
    assert report.cases[0].status == "wrong-signature"
    assert "`temperature`" in message and "`k`" in message and "top_k_probs(logits, t, kk)" in message


def test_progress_after_a_forbidden_use_does_not_say_failed_with_every_case_right(tmp_path):
    from grader.commands_learner import progress_rows, verdict_words
    from grader.course.loader import Course
    from grader.policy.violations import Violation
    from grader.course.workspace import Workspace

    course = Course()
    ws = Workspace(tmp_path)
    ws.init(course)
    report = Report("gelu", "GELU", "gelu.py", 0, cases=[CaseResult(f"c{i}", True) for i in range(10)],
                    violations=[Violation("open()", "gelu.py", 3, "solutions do not read or write files", "forbidden")])
    ws.record(report)
    row = next(r for r in progress_rows(ws, course) if r["slug"] == "gelu")
    assert verdict_words(row) == "forbidden use: open() (cases right 10/10)"
    assert "failed 10/10" not in verdict_words(row)


def test_not_implemented_in_an_imported_file_names_that_file(grade):
    report = grade("top-k", "from gelu import gelu\ndef top_k_probs(logits, temperature, k):\n    return gelu(logits)\n",
                   extra_files={"gelu.py": "def gelu(x):\n    raise NotImplementedError('gelu: implement gelu(x)')\n"})
    assert report.error_kind == "not-implemented"
    assert "gelu.py" in report.error and "top_k.py imports" in report.error


def test_own_stub_not_implemented_names_no_other_file(grade, course):
    report = grade("gelu", course.get("gelu").stub_path.read_text())
    assert report.error_kind == "not-implemented" and "imports" not in report.error


def test_a_draft_checked_with_file_imports_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("GRADER_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["init", "."]).exit_code == 0
    (tmp_path / "helpers.py").write_text("import torch\n\ndef softmax(s):\n    return torch.softmax(s, dim=-1)\n")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "x.py").write_text(textwrap.dedent("""
        import torch
        from helpers import softmax  # a workspace file, one directory up
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            kth = s.topk(k, dim=-1).values[..., -1:]
            return softmax(s.masked_fill(s < kth, float("-inf")))
    """))
    for cwd in (tmp_path, tmp_path / "drafts"):
        monkeypatch.chdir(cwd)
        path = str((tmp_path / "drafts" / "x.py").relative_to(cwd))
        result = CliRunner().invoke(main, ["check", "top-k", "--file", path, "--json"])
        data = json.loads(result.stdout)
        assert result.exit_code == 0 and data["passed"], data.get("error")


def test_the_notebook_hint_count_persists_across_processes(tmp_path):
    code = "from grader.learner.notebook import hint; print('SHOWN:' + hint('layer-norm').splitlines()[0])"
    env = {**os.environ, "GRADER_NOTEBOOK_EAGER": "0", "GRADER_NOTEBOOK_STATE": str(tmp_path / "state"),
           "COLUMNS": "200"}
    env.pop("GRADER_WORKSPACE", None)
    shown = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        shown.append(done.stdout)
    assert "Hint 1/" in shown[0] and "Hint 2/" in shown[1]


def test_the_layer_norm_statement_states_the_large_offset_tolerance(course):
    problem = course.get("layer-norm")
    case = next(c for c in problem.reference.cases(0) if c.name.startswith("large offset"))
    atol, rtol = case.tolerance
    statement = problem.statement_path.read_text(encoding="utf-8")
    def short(v):  # 5e-05 -> 5e-5, as statements write it
        return f"{v:.0e}".replace("e-0", "e-")

    assert "large offset" in statement and f"{short(atol)} + {short(rtol)}·|expected|" in statement


def test_the_work_rule_diagnosis_is_whole_words_and_said_once(grade):
    from test_kv_cache import RECOMPUTE

    d = grade("kv-cache", RECOMPUTE).diagnosis
    assert d["evidence"] == "check"
    name = d["name"].removesuffix(" …")
    assert name in d["seen"] and d["seen"][len(name)] in " ,;:" if len(name) < len(d["seen"]) else True
    assert name not in d["explanation"]  # the measurement is said once: in the name
    assert "never recomputing the prefix" in d["explanation"] and "project only the new token" in d["explanation"]
