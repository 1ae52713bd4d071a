"""The --json output has a published schema (grader/verdict/schema/report.schema.json) and real
outputs of every kind validate against it; a wrong answer reads as one."""

import json

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.verdict.results import REPORT_SCHEMA, Report

jsonschema = pytest.importorskip("jsonschema")

SOURCES = {
    "a pass": "import math, torch\ndef gelu(x):\n"
              "    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))\n",
    "a wrong answer": "def gelu(x):\n    return x.clamp(min=0)\n",  # ReLU: right only far from 0
    "a syntax error": "def gelu(x)\n    return x\n",
    "a banned API": "import torch\ndef gelu(x):\n    return torch.nn.functional.gelu(x, approximate='tanh')\n",
    "a not-implemented stub": None,  # the shipped stub
}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check_json(tmp_path, course, source) -> tuple[int, dict]:
    path = tmp_path / "gelu.py"
    path.write_text(source if source is not None else course.get("gelu").stub_path.read_text())
    result = CliRunner().invoke(main, ["check", "gelu", "--file", str(path), "--json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("kind", list(SOURCES))
def test_real_json_outputs_validate_against_the_schema(kind, tmp_path, course, validator):
    code, data = check_json(tmp_path, course, SOURCES[kind])
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    assert code == (0 if kind == "a pass" else 1) and data["passed"] is (kind == "a pass")
    expected_kind = {"a syntax error": "syntax-error", "a not-implemented stub": "not-implemented"}.get(kind)
    assert data["error_kind"] == expected_kind
    if kind == "a banned API":
        assert data["score"] == 0 and data["violations"][0]["kind"] == "banned"


def test_a_wrong_answer_reads_as_failed_not_ok(tmp_path, course):
    _, data = check_json(tmp_path, course, SOURCES["a wrong answer"])
    wrong = next(c for c in data["cases"] if not c["passed"])
    assert wrong["outcome"] == "ok" and "status" not in wrong  # it ran fine; the answer was wrong
    assert 0 < data["score"] < 1
    passed = {c["name"] for c in data["cases"] if c["passed"]}
    # the empty case earns credit only with the typical one (grader.cases.CREDIT_WITH), which ReLU fails
    credited = passed - {"edge: empty (0, 8)"} if "typical (4, 32)" not in passed else passed
    assert "edge: empty (0, 8)" in passed and credited
    assert data["score"] == pytest.approx(len(credited) / len(data["cases"]), abs=1e-4)


def test_isolation_is_emitted_and_constrained(validator):
    report = Report(problem="gelu", title="GELU", file="gelu.py", seed=0)
    assert report.to_dict()["isolation"] is None and validator.is_valid(report.to_dict())
    report.isolation = "namespaces"
    assert validator.is_valid(report.to_dict())
    report.isolation = "chroot"
    assert not validator.is_valid(report.to_dict())


def test_the_schema_is_package_data_found_through_importlib_resources():
    from importlib.resources import files

    shipped = files("grader").joinpath("verdict/schema/report.schema.json")
    assert json.loads(shipped.read_text())["$defs"]["case"]["required"][:3] == ["name", "passed", "outcome"]
