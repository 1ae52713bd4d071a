"""Course tools: the Gradescope zip runs and writes results.json as Gradescope reads it;
the learner's bundle holds no reference, and `grader check` works from its fixtures."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest
import torch

from conftest import REPO
from grader.course import Course, CourseError
from grader.export import export_gradescope, export_student
from grader.fixtures import read_fixtures
from grader.gradescope import run as run_gradescope
from grader.runner import check_problem
from test_batch import CORRECT, UNBIASED
from test_validate import course_with


def autograder_tree(tmp_path, zip_path, files: dict[str, str]):
    """A fake /autograder: the zip unpacked in source/, run_autograder copied up, the upload in submission/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    (root / "run_autograder").write_text((root / "source" / "run_autograder").read_text())
    (root / "submission").mkdir()
    for name, source in files.items():
        (root / "submission" / name).write_text(textwrap.dedent(source))
    return root


def test_gradescope_zip_runs_and_writes_results_json(tmp_path, course):
    config = export_gradescope(course, tmp_path / "ag.zip", ["layer-norm"], seed=31, points={"layer-norm": 2})
    root = autograder_tree(tmp_path, tmp_path / "ag.zip", {"layer_norm.py": UNBIASED})
    toml = root / "source" / "src" / "grader" / "course_data" / "problems" / "layer-norm" / "problem.toml"
    toml.write_text(toml.read_text().replace('title = "Layer normalisation"', 'title = "From the zip"'))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(GRADER_AUTOGRADER_ROOT=str(root), GRADER_PYTHON=sys.executable)
    subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=tmp_path, check=True, timeout=300)
    results = json.loads((root / "results" / "results.json").read_text())
    [test] = results["tests"]
    assert config["seed"] == 31 and test["name"] == "From the zip (layer-norm)"  # the zip's own grader and course
    assert (test["status"], test["max_score"]) == ("failed", 2.0)
    assert 0 < test["score"] < 2 and results["score"] == test["score"]
    assert "unbiased variance" in test["output"] and test["visibility"] == "visible"


def test_gradescope_run_reports_a_missing_file(tmp_path):
    (tmp_path / "source").mkdir()
    (tmp_path / "submission").mkdir()
    (tmp_path / "source" / "gradescope.json").write_text(json.dumps(
        {"problems": ["layer-norm"], "seed": 5, "points": {"layer-norm": 1.0}, "visibility": "hidden"}))
    results = run_gradescope(tmp_path)
    assert json.loads((tmp_path / "results" / "results.json").read_text()) == results
    [test] = results["tests"]
    assert (test["score"], test["status"], test["visibility"]) == (0.0, "failed", "hidden")
    assert "upload layer_norm.py" in test["output"]


def test_gradescope_zip_bundles_the_course_with_the_package(tmp_path, course):
    export_gradescope(course, tmp_path / "ag.zip", ["gelu"])
    names = zipfile.ZipFile(tmp_path / "ag.zip").namelist()
    assert {"setup.sh", "run_autograder", "gradescope.json", "src/grader/runner.py",
            "src/grader/course_data/problems/gelu/stub.py", "src/grader/course_data/reference/gelu.py",
            "src/grader/course_data/reference/_model.py"} <= set(names)  # gelu's reference loads _model
    assert not any("layer_norm" in n or "layer-norm" in n for n in names)


def test_student_bundle_hides_the_reference(tmp_path, course):
    export_student(course, tmp_path / "bundle", ["layer-norm"])
    files = sorted(p.relative_to(tmp_path / "bundle").as_posix() for p in (tmp_path / "bundle").rglob("*")
                   if p.is_file())
    assert files == ["README.md", "problems/layer-norm/README.md", "problems/layer-norm/fixtures.pt",
                     "problems/layer-norm/problem.toml", "problems/layer-norm/stub.py"]
    hidden = (REPO / "reference" / "layer_norm.py").read_text()
    for marker in ("def _unbiased", "def cases", "MISTAKES"):
        assert marker in hidden
        assert not any(marker.encode() in (tmp_path / "bundle" / f).read_bytes() for f in files)
    data = read_fixtures(Course(tmp_path / "bundle").get("layer-norm"))
    assert data["mode"] == "outputs" and len(data["cases"]) == 10


def test_check_from_the_bundle_passes_right_and_fails_wrong(tmp_path, course, sandbox):
    export_student(course, tmp_path / "bundle", ["layer-norm"])
    bundle = Course(tmp_path / "bundle")
    problem = bundle.get("layer-norm")
    assert not problem.has_reference
    reports = {}
    for name, source in (("right", CORRECT), ("wrong", UNBIASED)):
        path = tmp_path / name / "layer_norm.py"
        path.parent.mkdir()
        path.write_text(textwrap.dedent(source))
        reports[name] = check_problem(bundle, problem, file=path, sandbox=sandbox)
    assert reports["right"].passed and len(reports["right"].cases) == 10
    assert not reports["wrong"].passed
    assert reports["wrong"].diagnosis["name"] == "unbiased variance"  # named from the bundled outputs


def test_a_custom_judge_problem_needs_the_instructors_grader(tmp_path, sandbox):
    judge = '\n\ndef judge(case, value, tol):\n    """the output and its norm"""\n' \
            '    from grader.compare import compare_tensors\n' \
            '    return compare_tensors(rms_norm(**case.pristine_inputs()), value["output"], *tol)\n'
    course = course_with(tmp_path / "course", {"reference/rms_norm.py": ("\n\ndef _centred", judge + "\n\ndef _centred")})
    bundled = {b.slug: b for b in export_student(course, tmp_path / "bundle", ["rms-norm"])}["rms-norm"]
    assert bundled.mode == "instructor-only" and "the output and its norm" in bundled.reason
    bundle = Course(tmp_path / "bundle")
    (tmp_path / "rms_norm.py").write_text("def rms_norm(x, eps=1e-5):\n    return x\n")
    with pytest.raises(CourseError, match="cannot be checked from this bundle"):
        check_problem(bundle, bundle.get("rms-norm"), file=tmp_path / "rms_norm.py", sandbox=sandbox)
