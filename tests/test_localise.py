"""Localisation: the first wrong building block, the wrong positions, the influence grid."""

import json

import torch

from grader.cases import Case
from grader.verdict.localise import defined_names, position_entry, ranges
from grader.course.spec import Localisation
from grader.verdict.report import to_json

HELPERS = """
    import math
    import torch

    def layer_norm(x, eps=1e-5):
        mean = x.mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + eps)

    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        N, T, d = x.shape
        q, k, v = [(x @ w).view(N, T, num_heads, d // num_heads).transpose(1, 2) for w in (w_q, w_k, w_v)]
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)
        if causal:
            scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(DIAGONAL), float("-inf"))
        return (scores.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o

    def pre_ln_block(x, block_weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
        x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
        return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
"""
CORRECT_BLOCK = HELPERS.replace("DIAGONAL", "0")
LEAKY_ATTENTION = HELPERS.replace("DIAGONAL", "1")  # also sees the next token


def entries(report, kind):
    return [loc for loc in report.localisation if loc.get("kind") == kind]


def test_wrong_layer_norm_helper_is_localised_to_layer_norm(grade):
    source = CORRECT_BLOCK.replace("unbiased=False", "unbiased=True")
    report = grade("transformer-block", source)
    assert not report.passed
    stages = entries(report, "stage")
    assert len(stages) == 1, report.localisation
    assert stages[0]["stage"] == "layer-norm" and stages[0]["entry"] == "layer_norm"
    assert stages[0]["diagnosis"]["name"] == "unbiased variance"
    assert "layer_norm" in stages[0]["text"] and "grader check layer-norm" in stages[0]["text"]


def test_first_wrong_stage_is_reported_after_the_ones_that_pass(grade):
    report = grade("transformer-block", LEAKY_ATTENTION)
    stage = entries(report, "stage")[0]
    assert stage["stage"] == "attention"
    assert stage["passed_stages"] == ["layer-norm", "gelu"]
    # the attention stage's own grid comes with it
    assert entries(report, "influence")


def test_correct_helpers_put_together_wrongly_say_so(grade):
    source = CORRECT_BLOCK.replace("return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2",
                                   "return gelu(layer_norm(x) @ w_mlp1) @ w_mlp2")  # no second residual
    report = grade("transformer-block", source)
    assert not entries(report, "stage")
    assert entries(report, "stages-pass")[0]["passed_stages"] == ["layer-norm", "gelu", "attention"]
    positions = entries(report, "positions")[0]
    assert all(all(row) for row in positions["wrong"])  # every (sequence, position) is wrong
    assert "every position of every sequence" in positions["text"]


def test_leaking_causal_mask_shows_the_grid(grade):
    report = grade("attention", LEAKY_ATTENTION)
    grid = entries(report, "influence")[0]
    yours, expected = torch.tensor(grid["yours"]), torch.tensor(grid["expected"])
    T = expected.shape[0]
    assert torch.equal(expected, torch.ones(T, T, dtype=torch.bool).tril())
    assert torch.equal(yours, torch.ones(T, T, dtype=torch.bool).tril(1))
    assert "query 0 on key 1" in grid["text"] and "●" in grid["text"]
    assert json.loads(to_json(report))["localisation"]  # the same in --json


def test_right_mask_with_wrong_values_says_the_mixing_is_right(grade):
    report = grade("attention", CORRECT_BLOCK.replace("/ math.sqrt(d // num_heads)", "/ math.sqrt(d)"))
    grid = entries(report, "influence")[0]
    assert grid["yours"] == grid["expected"]
    assert "exactly the keys it should" in grid["text"]


def test_masked_rows_map_back_to_sequence_and_position():
    mask = torch.tensor([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]])
    case = Case("c", {"mask_indicator": mask})
    expected = torch.zeros(3, 5)
    actual = expected.clone()
    actual[2] += 1.0  # the third masked row: sequence 1, position 0
    entry = position_entry(case, expected, actual, Localisation(rows_of="mask_indicator", axes=("sequence", "position")),
                           (1e-5, 1e-4))
    assert entry["grid"] == [[False, False, False, False], [True, False, False, False]]
    assert "sequence 1: all wrong" in entry["text"] and "sequence 0: right" in entry["text"]


def test_defined_names_and_ranges():
    names = defined_names(source="from transformer_block import pre_ln_block\ndef gelu(x):\n    return x\nK = 3\n")
    assert names == {"pre_ln_block": "imported from transformer_block", "gelu": "defined in your file",
                     "K": "assigned in your file"}
    assert ranges([0, 1, 2, 5, 7, 8]) == "0-2, 5, 7-8"


def test_correct_solution_gets_no_localisation(grade):
    report = grade("transformer-block", CORRECT_BLOCK)
    assert report.passed, [c.message for c in report.cases if not c.passed]
    assert report.localisation == [] and report.diagnosis is None


def test_helper_with_a_narrower_signature_is_not_blamed(grade):
    source = CORRECT_BLOCK.replace("def layer_norm(x, eps=1e-5):", "def layer_norm(x):") \
        .replace("+ eps)", "+ 1e-5)") \
        .replace("return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2", "return x + gelu(x @ w_mlp1) @ w_mlp2")
    report = grade("transformer-block", source)
    assert not report.passed and not entries(report, "stage")
    fine = entries(report, "stages-pass")[0]
    assert fine["passed_stages"] == ["layer-norm", "gelu", "attention"]
    assert "not comparable: different signature" in fine["text"]  # the custom-eps case


def test_two_different_mistakes_that_fit_are_listed_not_named():
    from types import SimpleNamespace

    from grader.verdict.diagnose import diagnose_report
    from grader.mistakes import Mistake
    from grader.verdict.results import CaseResult, Report

    double = Mistake("doubled", lambda x: 2 * x, "twice")
    added = Mistake("added to itself", lambda x: x + x, "x + x")
    also_doubled = Mistake("doubled", lambda x: x * 2.0, "twice, another way")
    problem = SimpleNamespace(reference=SimpleNamespace(MISTAKES=[double, also_doubled, added]),
                              tolerance=lambda dtype: (1e-5, 1e-4))
    case = Case("c", {"x": torch.arange(4.0)})
    report = Report("p", "P", "f", 0, cases=[CaseResult("c", False)])
    diagnose_report(problem, report, [case], {"c": {"output": 2 * torch.arange(4.0)}})
    assert report.diagnosis is None
    assert entries(report, "ambiguous")[0]["candidates"] == ["doubled", "added to itself"]
    problem.reference.MISTAKES = [double, also_doubled]  # two variants of one mistake: named
    report = Report("p", "P", "f", 0, cases=[CaseResult("c", False)])
    diagnose_report(problem, report, [case], {"c": {"output": 2 * torch.arange(4.0)}})
    assert report.diagnosis["name"] == "doubled"


def test_a_building_block_imported_from_the_workspace_is_checked_there(grade):
    helper = CORRECT_BLOCK.replace("unbiased=False", "unbiased=True")  # the bug lives in layer_norm.py
    block = CORRECT_BLOCK.replace("    import torch\n", "    import torch\n    from layer_norm import layer_norm\n") \
        .replace("def layer_norm(", "def _unused_layer_norm(")
    report = grade("transformer-block", block, extra_files={"layer_norm.py": helper})
    stage = entries(report, "stage")[0]
    assert stage["stage"] == "layer-norm" and "imported from layer_norm" in stage["text"]


ERF_GELU = "import torch\ndef gelu(x):\n    return 0.5 * x * (1 + torch.erf(x / 2 ** 0.5))\n"


def test_an_imported_wrong_block_is_sent_to_a_command_that_checks_it(grade, course, sandbox, tmp_path):
    from grader.verdict.runner import check_problem

    block = HELPERS.replace("DIAGONAL", "0").replace("def gelu(x):", "def tanh_gelu(x):")
    report = grade("transformer-block", block + "\n    from gelu import gelu\n", extra_files={"gelu.py": ERF_GELU})
    [stage] = [loc for loc in report.localisation if loc["kind"] == "stage"]
    assert stage["stage"] == "gelu" and "`grader check gelu --file gelu.py`" in stage["text"]
    suggested = check_problem(course, course.get("gelu"), file=tmp_path / "gelu.py", workspace=tmp_path,
                              sandbox=sandbox)  # what that command runs: gelu's own file, not an ImportError
    assert suggested.error_kind is None and suggested.diagnosis["name"].startswith("exact (erf) GELU")


def test_the_stage_command_names_the_workspace_file_or_the_file_defining_the_block(course, tmp_path):
    from grader.verdict.localise import stage_check_command
    from grader.course.workspace import Workspace

    gelu = course.get("gelu")
    block = tmp_path / "transformer_block.py"
    assert stage_check_command(gelu, block) == "grader check gelu --file transformer_block.py"  # defined there
    (tmp_path / "blocks.py").write_text(ERF_GELU)
    assert stage_check_command(gelu, block, "imported from blocks") == "grader check gelu --file blocks.py"
    Workspace(tmp_path).init(course)
    assert stage_check_command(gelu, block, "imported from gelu") == "grader check gelu"
    assert stage_check_command(gelu, None) == 'check("gelu", gelu)'
