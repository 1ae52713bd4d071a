"""Course tools: the Gradescope zip runs and writes results.json as Gradescope reads it;
the learner's bundle holds no reference, and `grader check` works from its fixtures."""

import ast
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest
from pathlib import Path
import torch

from conftest import REPO
from grader.course.loader import Course, CourseError
from grader.instructor.export import export_gradescope, export_student
from grader.verdict.fixtures import FixtureMode, read_fixtures
from grader.instructor.learner_package import learner_spec
from grader.instructor.gradescope import run as run_gradescope
from grader.verdict.runner import check_problem
from test_batch import CORRECT, UNBIASED
from test_validate import course_with


EPS_IGNORED = """
import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(((x - mean) ** 2).mean(-1, keepdim=True) + 1e-5)
"""


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
    root = autograder_tree(tmp_path, tmp_path / "ag.zip", {"layer_norm.py": EPS_IGNORED})
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
    assert "eps argument ignored" in test["output"] and test["visibility"] == "visible"


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


def test_gradescope_writes_results_json_when_its_python_cannot_import_torch(tmp_path, course):
    export_gradescope(course, tmp_path / "ag.zip", ["layer-norm"])
    root = autograder_tree(tmp_path, tmp_path / "ag.zip", {"layer_norm.py": CORRECT})
    no_torch = tmp_path / "python-without-torch"
    no_torch.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named torch' >&2\nexit 1\n")
    no_torch.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(GRADER_AUTOGRADER_ROOT=str(root), GRADER_PYTHON=str(no_torch))
    subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=tmp_path, check=True, timeout=60)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0.0 and results["tests"] == []
    assert "could not start (exit 1)" in results["output"] and "is torch installed" in results["output"]


def test_gradescope_setup_pins_this_torch_from_the_cpu_index(tmp_path, course):
    export_gradescope(course, tmp_path / "ag.zip", ["gelu"])
    setup = zipfile.ZipFile(tmp_path / "ag.zip").read("setup.sh").decode()
    assert f'"torch=={torch.__version__.split("+")[0]}"' in setup
    assert "--index-url https://download.pytorch.org/whl/cpu" in setup and "torch>=" not in setup


def test_gradescope_summary_says_why_a_forbidden_file_scores_0():
    from grader.instructor.gradescope import summary_line
    from grader.verdict.results import CaseResult, Report
    from grader.policy.violations import Violation

    report = Report(problem="layer-norm", title="Layer normalisation", file="layer_norm.py", seed=0)
    report.cases = [CaseResult(name=f"case {i}", passed=True) for i in range(11)]
    report.violations = [Violation(kind="banned", api="torch.nn.functional.layer_norm", file="layer_norm.py",
                                   line=3, how="called")]
    line = summary_line(report)
    assert line.startswith("not passed: uses torch.nn.functional.layer_norm, which this problem forbids (score 0")
    assert "11/11" not in line.split(";")[0]


def test_gradescope_zip_bundles_the_course_with_the_package(tmp_path, course):
    export_gradescope(course, tmp_path / "ag.zip", ["gelu"])
    names = zipfile.ZipFile(tmp_path / "ag.zip").namelist()
    assert {"setup.sh", "run_autograder", "gradescope.json", "src/grader/verdict/runner.py",
            "src/grader/course_data/problems/gelu/stub.py", "src/grader/course_data/reference/gelu.py",
            "src/grader/course_data/reference/_model.py"} <= set(names)  # gelu's reference loads _model
    assert not any("layer_norm" in n or "layer-norm" in n for n in names)


def test_student_bundle_hides_the_reference(tmp_path, course):
    export_student(course, tmp_path / "bundle", ["layer-norm"])
    files = sorted(p.relative_to(tmp_path / "bundle").as_posix() for p in (tmp_path / "bundle").rglob("*")
                   if p.is_file())
    assert files == ["README.md", learner_spec().filename, "problems/layer-norm/README.md",
                     "problems/layer-norm/fixtures.pt", "problems/layer-norm/problem.toml",
                     "problems/layer-norm/properties.py",  # public: no reference
                     "problems/layer-norm/stub.py"]
    wheel = zipfile.ZipFile(tmp_path / "bundle" / learner_spec().filename).namelist()
    assert "grader/course_data/problems/layer-norm/fixtures.pt" in wheel and "grader/verdict/runner.py" in wheel
    assert not any("reference" in n.split("/")[:-1] or "gelu" in n for n in wheel)  # only what was exported
    hidden = (REPO / "reference" / "layer_norm.py").read_text()
    for marker in ("def _unbiased", "def cases", "MISTAKES"):
        assert marker in hidden
        assert not any(marker.encode() in (tmp_path / "bundle" / f).read_bytes() for f in files)
    data = read_fixtures(Course(tmp_path / "bundle").get("layer-norm"))
    assert FixtureMode.of(data) is FixtureMode.OUTPUTS and len(data["cases"]) == len(course.get("layer-norm").reference.cases(0))


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
    assert reports["right"].passed and len(reports["right"].cases) == len(course.get("layer-norm").reference.cases(0))
    assert not reports["wrong"].passed
    assert reports["wrong"].diagnosis["name"] == "unbiased variance"  # named from the bundled outputs


def test_fixtures_of_an_unknown_mode_are_not_checked(tmp_path, course, sandbox):
    export_student(course, tmp_path / "bundle", ["layer-norm"])
    path = tmp_path / "bundle" / "problems" / "layer-norm" / "fixtures.pt"
    torch.save({**torch.load(path, weights_only=True), "mode": "from-the-future"}, path)
    bundle = Course(tmp_path / "bundle")
    (tmp_path / "layer_norm.py").write_text(textwrap.dedent(CORRECT))
    with pytest.raises(CourseError, match="a mode this grader does not know .'from-the-future'."):
        check_problem(bundle, bundle.get("layer-norm"), file=tmp_path / "layer_norm.py", sandbox=sandbox)


def test_a_custom_judge_problem_needs_the_instructors_grader(tmp_path, sandbox):
    judge = '\n\ndef judge(case, value, tol):\n    """the output and its norm"""\n' \
            '    from grader.compare import compare_tensors\n' \
            '    return compare_tensors(rms_norm(**case.pristine_inputs()), value["output"], *tol)\n'
    course = course_with(tmp_path / "course", {"reference/rms_norm.py": ("\n\ndef _centred", judge + "\n\ndef _centred")})
    bundled = {b.slug: b for b in export_student(course, tmp_path / "bundle", ["rms-norm"])}["rms-norm"]
    assert bundled.mode is FixtureMode.INSTRUCTOR_ONLY and "the output and its norm" in bundled.reason
    bundle = Course(tmp_path / "bundle")
    (tmp_path / "rms_norm.py").write_text("def rms_norm(x, eps=1e-5):\n    return x\n")
    with pytest.raises(CourseError, match="cannot be checked from this bundle"):
        check_problem(bundle, bundle.get("rms-norm"), file=tmp_path / "rms_norm.py", sandbox=sandbox)


# --------------------------------------------------------------------------- public judges, offline
PUBLIC = ["sample", "causal-lm", "reverse-embedding", "kv-cache", "generate"]


@pytest.fixture(scope="module")
def public_bundle(tmp_path_factory, course):
    """One bundle of the public-judge problems (plus the problems they inherit bans from)."""
    out = tmp_path_factory.mktemp("public") / "bundle"
    bundled = {b.slug: b for b in export_student(course, out, PUBLIC)}
    return out, bundled


def check_in_bundle(bundle_dir, tmp_path, sandbox, slug, source):
    bundle = Course(bundle_dir)
    problem = bundle.get(slug)
    assert not problem.has_reference
    path = tmp_path / slug / f"{problem.module_name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return check_problem(bundle, problem, file=path, sandbox=sandbox, localise=False)


def test_public_judges_ship_without_the_reference(public_bundle):
    out, bundled = public_bundle
    assert not (out / "reference").exists()
    for slug in PUBLIC:
        assert bundled[slug].mode is FixtureMode.PUBLIC_JUDGE and (out / "problems" / slug / "judge.py").exists()
        tree = ast.parse((out / "problems" / slug / "judge.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
            {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert imported <= {"torch", "grader.compare", "grader.judge"}, imported  # never the reference
    data = read_fixtures(Course(out).get("causal-lm"))
    assert type(data["cases"][0]["expected"]) is torch.Tensor  # the reference's logits, precomputed
    assert data["cases"][0]["expected"].shape[-1] == data["cases"][0]["inputs"]["w_emb"].shape[0]
    assert read_fixtures(Course(out).get("sample"))["cases"][0]["expected"] is None  # sample needs no reference data


def bundled_cases(out, slug: str) -> int:
    """How many public cases the bundle ships (counted, not written down: cases get added)."""
    return len(read_fixtures(Course(out).get(slug))["cases"])


def test_sample_from_the_bundle(public_bundle, tmp_path, sandbox):
    from sampling_solutions import CORRECT as SAMPLERS, WRONG as BIASED

    out, _ = public_bundle
    right = check_in_bundle(out, tmp_path, sandbox, "sample", SAMPLERS["cumsum-searchsorted"])
    assert right.passed and len(right.cases) == bundled_cases(out, "sample") and right.diagnosis is None
    late = check_in_bundle(out, tmp_path, sandbox, "sample", BIASED["off-by-one: exclusive cumsum"][1])
    assert not late.passed and late.diagnosis["name"] == "inverse CDF one token late"  # from the bundled outputs
    global_rng = check_in_bundle(out, tmp_path, sandbox, "sample", BIASED["global RNG (torch.rand without generator)"][1])
    assert not global_rng.passed and global_rng.diagnosis["name"] == "global RNG instead of the generator"  # by the judge


def test_causal_lm_from_the_bundle(public_bundle, tmp_path, sandbox):
    from test_causal_lm import CORRECT as FORWARDS, WRONG as MASKS

    out, _ = public_bundle
    right = check_in_bundle(out, tmp_path, sandbox, "causal-lm", FORWARDS["own-helpers"])
    assert right.passed and len(right.cases) == bundled_cases(out, "causal-lm") and right.diagnosis is None
    leak = check_in_bundle(out, tmp_path, sandbox, "causal-lm", MASKS["mask off by one: sees the next token"])
    assert not leak.passed
    assert leak.cases[0].message.startswith("causality: position ")
    assert leak.diagnosis["name"] == "mask off by one: sees the next token"


def test_reverse_embedding_from_the_bundle(public_bundle, tmp_path, sandbox):
    from test_reverse_embedding import CORRECT as HEADS, NOT_TIED

    out, _ = public_bundle
    right = check_in_bundle(out, tmp_path, sandbox, "reverse-embedding", HEADS["submodule"])
    assert right.passed and len(right.cases) == len(Course().get("reverse-embedding").reference.cases(0))
    source, words = NOT_TIED["a cloned tensor"]
    cloned = check_in_bundle(out, tmp_path, sandbox, "reverse-embedding", source)
    assert not cloned.passed and words in cloned.first_failure.message


def solved_except(ws, course, slugs):
    state = ws.load()
    for problem in course:
        if problem.slug not in slugs:
            ws.entry(state, problem.slug).update(solved=True, attempts=1, last_verdict="passed")
    ws.save(state)


def instructor_only_copy(out, tmp_path, slugs) -> Path:
    """A copy of the bundle in which `slugs` are left to the instructor's grader."""
    import shutil

    copy = tmp_path / "bundle-copy"
    shutil.copytree(out, copy)
    course = Course(copy)
    for slug in slugs:
        problem = course.get(slug)
        data = read_fixtures(problem)
        data.update(mode="instructor-only", cases=[], reason="its judge is part of the hidden reference.")
        torch.save(data, problem.fixtures_path)
    return copy


def test_watch_and_progress_skip_what_the_bundle_cannot_check(public_bundle, tmp_path, sandbox):
    import io

    from click.testing import CliRunner
    from rich.console import Console

    from grader.cli import main
    from grader.learner.watch import next_unsolved, watch_loop
    from grader.course.workspace import Workspace

    out = instructor_only_copy(public_bundle[0], tmp_path, ["kv-cache", "generate"])
    bundle = Course(out)
    ws = Workspace(tmp_path / "ws")
    ws.init(bundle)
    solved_except(ws, bundle, {"kv-cache", "generate", "top-k"})
    (ws.root / "kv_cache.py").write_text("def causal_lm_step(*args):\n    return None\n")  # edited: watch would check it
    assert next_unsolved(ws, bundle).slug == "top-k"
    assert next_unsolved(ws, bundle, after=bundle.get("top-k")) is None
    solved_except(ws, bundle, {"kv-cache", "generate"})
    console = Console(file=io.StringIO(), width=200)
    assert watch_loop(ws, bundle, sandbox=sandbox, console=console, sleep=lambda s: None, max_polls=2) == []
    shown = console.file.getvalue()
    assert "Skipping kv-cache: its judge is part of the hidden reference, so only your instructor's grader" in shown
    assert "Skipping generate" in shown and "Every problem you can check here is solved" in shown
    env = {"GRADER_WORKSPACE": str(ws.root), "COLUMNS": "200"}
    progress = CliRunner().invoke(main, ["--course", str(out), "progress"], env=env)
    assert progress.exit_code == 0 and "Skipping kv-cache" in progress.output and "Next:" not in progress.output
    data = json.loads(CliRunner().invoke(main, ["--course", str(out), "progress", "--json"], env=env).output)
    assert data["next"] is None and set(data["not_checkable_here"]) == {"kv-cache", "generate"}
    refused = CliRunner().invoke(main, ["--course", str(out), "watch", "kv-cache"], env=env)
    assert refused.exit_code == 2 and "kv-cache cannot be checked here" in refused.output


def test_watch_skips_a_check_the_bundle_refuses_instead_of_crashing(public_bundle, tmp_path, sandbox):
    import io

    from rich.console import Console

    from grader.learner.watch import watch_loop
    from grader.course.workspace import Workspace

    out, _ = public_bundle
    bundle = Course(out)
    ws = Workspace(tmp_path / "ws")
    ws.init(bundle)
    solved_except(ws, bundle, {"sample"})
    (ws.root / "sample.py").write_text("def sample(probs, generator):\n    return probs.argmax(-1)\n")
    console = Console(file=io.StringIO(), width=200)
    reports = watch_loop(ws, bundle, sandbox=sandbox, console=console, seed=7, sleep=lambda s: None, max_polls=3)
    shown = console.file.getvalue()
    assert reports == [] and "Skipping sample: this bundle holds the public cases (seed 0) only.\n" in shown


def test_gradescope_refuses_unconfined_grading_unless_allowed(tmp_path, monkeypatch):
    for allowed in (False, True):
        root = tmp_path / str(allowed)
        (root / "source").mkdir(parents=True)
        (root / "submission").mkdir()
        (root / "submission" / "layer_norm.py").write_text(textwrap.dedent(CORRECT))
        (root / "source" / "gradescope.json").write_text(json.dumps(
            {"problems": ["layer-norm"], "seed": 5, "points": {"layer-norm": 1.0}, "visibility": "hidden",
             "allow_unisolated": allowed}))
        monkeypatch.setenv("GRADER_ISOLATION", "none")
        results = run_gradescope(root)
        if allowed:
            [test] = results["tests"]
            assert test["status"] == "passed" and "isolation: none" in test["output"]
        else:
            assert results["score"] == 0.0 and not results["tests"]
            assert "refused" in results["output"] and "--allow-unisolated" in results["output"]

def test_kv_cache_from_the_bundle(public_bundle, tmp_path, sandbox):
    from test_kv_cache import CORRECT as STEPS, NAMED, RECOMPUTE

    out, _ = public_bundle
    data = read_fixtures(Course(out).get("kv-cache"))
    assert "reference_cache" in data["cases"][0]["inputs"]  # the reference's own cache, fed to every step
    assert set(data["cases"][0]["expected"]) == {"logits", "written"}
    right = check_in_bundle(out, tmp_path, sandbox, "kv-cache", STEPS["in place"])
    assert right.passed and len(right.cases) == len(data["cases"]) and right.diagnosis is None
    late = check_in_bundle(out, tmp_path, sandbox, "kv-cache", NAMED["cache written at index + 1"])
    assert not late.passed and late.diagnosis["name"] == "cache written at index + 1"  # from the bundled outputs
    unwritten = check_in_bundle(out, tmp_path, sandbox, "kv-cache", NAMED["returned cache lacks this step"])
    assert not unwritten.passed and unwritten.diagnosis["name"] == "returned cache lacks this step"  # by the judge
    recompute = check_in_bundle(out, tmp_path, sandbox, "kv-cache", RECOMPUTE)
    # Right logits, too much work: named by the broken work rule, from the bundle as from the course.
    assert not recompute.passed and recompute.diagnosis["evidence"] == "check"
    assert "recomputing the whole prefix" in recompute.diagnosis["name"]
    assert "about what recomputing the whole prefix costs" in recompute.cases[0].message


def test_generate_from_the_bundle(public_bundle, tmp_path, sandbox):
    from test_generate import NAMED, OWN_CACHE, SAMPLING

    out, _ = public_bundle
    data = read_fixtures(Course(out).get("generate"))
    sampling = [c for c in data["cases"] if c["options"].get("sampling")]
    assert sampling and all(type(c["expected"]["first_probs"]) is torch.Tensor for c in sampling)
    with_top_k = [c for c in sampling if c["inputs"]["top_k"] is not None]
    assert with_top_k and all(len(c["expected"]["contexts"]) > 1 for c in with_top_k)  # every reachable context
    right = check_in_bundle(out, tmp_path, sandbox, "generate", OWN_CACHE)
    assert right.passed and len(right.cases) == len(data["cases"]) and right.diagnosis is None
    padded = check_in_bundle(out, tmp_path, sandbox, "generate", NAMED["finished rows padded with 0"])
    assert not padded.passed and padded.diagnosis["name"] == "finished rows padded with 0"  # from the bundled outputs
    for how in ("top_k ignored", "temperature ignored"):
        source, words = SAMPLING[how]
        wrong = check_in_bundle(out, tmp_path, sandbox, "generate", source)
        failed = [c for c in wrong.cases if not c.passed]
        assert failed and all(c.name.startswith("sampling") for c in failed)
        assert words in failed[0].message, failed[0].message


def test_export_student_reports_each_problems_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(COLUMNS="200", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "grader.cli", "export", "student", str(tmp_path / "b"),
                           "--problem", "layer-norm", "--problem", "sample"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    n = {slug: len(Course().get(slug).reference.cases(0)) for slug in ("layer-norm", "sample")}
    assert f"{n['layer-norm']} public cases with expected outputs" in lines["layer-norm"]
    assert f"{n['sample']} public cases judged by its public judge" in lines["sample"]  # checkable, not "instructor's only"
    assert f"pip install ./{learner_spec().filename}" in done.stdout


def test_a_bundled_problems_summary_names_its_mode():
    from grader.instructor.export import BundledProblem

    assert BundledProblem("a", FixtureMode.OUTPUTS, cases=3).summary == "3 public cases with expected outputs"
    assert BundledProblem("b", FixtureMode.PUBLIC_JUDGE, cases=2).summary.startswith("2 public cases judged by its")
    only = BundledProblem("c", FixtureMode.INSTRUCTOR_ONLY, reason="its judge is hidden.")
    assert only.summary == "instructor's grader only: its judge is hidden." and not only.checkable
