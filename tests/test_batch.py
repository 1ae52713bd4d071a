"""Grading a class: submissions found by slug or module name, a pool of sandboxes, a
gradebook that skips what it holds and survives an interruption, CSV and JSON exports."""

import csv
import json
import textwrap

import pytest

from grader.instructor.batch import SandboxPool, find_submissions, grade_class
from grader.instructor.gradebook import Gradebook

CORRECT = """
    import torch
    def layer_norm(x, eps=1e-5):
        m = x.mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
"""
UNBIASED = """
    import torch
    def layer_norm(x, eps=1e-5):
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps)
"""
BANNED = """
    import torch.nn.functional as F
    def layer_norm(x, eps=1e-5):
        return F.layer_norm(x, x.shape[-1:], eps=eps)
"""


def make_class(root, files: dict[str, dict[str, str]]):
    for learner, mine in files.items():
        (root / learner).mkdir(parents=True, exist_ok=True)
        for name, source in mine.items():
            (root / learner / name).write_text(textwrap.dedent(source))
    return root


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


@pytest.fixture
def klass(tmp_path):
    return make_class(tmp_path / "subs", {
        "ada": {"layer_norm.py": CORRECT},
        "bob": {"layer-norm.py": UNBIASED, "helpers.py": "X = 1\n"},
        "cy": {"layer_norm.py": BANNED},
        "dee": {"notes.py": "# nothing for layer-norm\n"},
    })


def test_files_are_found_by_slug_or_module_name(klass, course):
    make_class(klass, {"eve": {"layer-norm.py": UNBIASED, "layer_norm.py": CORRECT}})
    found = find_submissions(klass, course)
    by_learner = {s.learner: s for s in found.submissions}
    assert found.slugs == ["layer-norm"]
    assert by_learner["bob"].path.name == "layer-norm.py"
    assert by_learner["dee"].path is None
    assert by_learner["eve"].path.name == "layer_norm.py"  # both spellings: the importable one wins
    assert any("eve" in note for note in found.notes)


def test_a_class_is_graded_into_the_gradebook_and_not_twice(klass, course, pool, tmp_path):
    book = Gradebook(tmp_path / "book.sqlite")
    summary = grade_class(course, find_submissions(klass, course), book, pool, seed=4242)
    rows = {r["learner"]: r for r in book.rows()}
    assert summary.graded == 3 and summary.missing == 1
    assert (rows["ada"]["verdict"], rows["ada"]["score"]) == ("passed", 1.0)
    assert rows["bob"]["verdict"] == "failed" and rows["bob"]["diagnosis"]["name"] == "unbiased variance"
    assert rows["cy"]["verdict"] == "banned" and rows["cy"]["score"] == 0.0
    assert rows["dee"]["verdict"] == "missing"
    assert {r["seed"] for r in rows.values()} == {4242} and book.seed == 4242
    again = grade_class(course, find_submissions(klass, course), book, pool, seed=4242)
    assert (again.graded, again.skipped) == (0, 4)


def test_a_changed_file_is_graded_again(klass, course, pool, tmp_path):
    book = Gradebook(tmp_path / "book.sqlite")
    grade_class(course, find_submissions(klass, course), book, pool, seed=7)
    (klass / "bob" / "layer-norm.py").write_text(textwrap.dedent(CORRECT))
    summary = grade_class(course, find_submissions(klass, course), book, pool, seed=7)
    assert summary.graded == 1
    assert {r["learner"]: r["verdict"] for r in book.rows()}["bob"] == "passed"


def test_an_interrupted_run_keeps_what_it_graded(klass, course, pool, tmp_path):
    book = Gradebook(tmp_path / "book.sqlite")

    def interrupt(outcome, verdict):
        raise KeyboardInterrupt

    first = grade_class(course, find_submissions(klass, course), book, pool, seed=7, on_result=interrupt)
    assert first.interrupted and first.graded == 1
    assert len([r for r in book.rows() if r["verdict"] != "missing"]) == 1
    pool.start()  # the interrupt stopped the pool's zygotes: start them again
    rest = grade_class(course, find_submissions(klass, course), book, pool, seed=7)
    assert rest.graded == 2 and not rest.interrupted


def test_exports_have_one_row_per_learner_and_problem(klass, course, pool, tmp_path):
    book = Gradebook(tmp_path / "book.sqlite")
    grade_class(course, find_submissions(klass, course), book, pool, seed=7)
    book.export_csv(tmp_path / "g.csv")
    book.export_json(tmp_path / "g.json")
    rows = list(csv.DictReader(open(tmp_path / "g.csv")))
    assert [(r["learner"], r["problem"], r["verdict"]) for r in rows] == [
        ("ada", "layer-norm", "passed"), ("bob", "layer-norm", "failed"), ("cy", "layer-norm", "banned"),
        ("dee", "layer-norm", "missing")]
    assert rows[1]["diagnosis"] == "unbiased variance"
    assert rows[2]["violations"] == "torch.nn.functional.layer_norm (layer_norm.py:4)"
    data = json.loads((tmp_path / "g.json").read_text())
    assert data["seed"] == 7 and data["learners"]["ada"]["total"] == 1.0
    assert data["learners"]["bob"]["problems"]["layer-norm"]["diagnosis"]["name"] == "unbiased variance"


def test_grading_nothing_is_a_usage_error_and_leaves_no_gradebook(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.delenv("GRADER_COURSE", raising=False)
    subs = make_class(tmp_path / "subs", {"ada": {"rms_norm.py": "def rms_norm(x):\n    return x\n"}})
    result = CliRunner().invoke(main, ["grade", str(subs), "--workers", "1"], env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "nothing to grade" in result.output and "rms_norm.py" in result.output and "--course" in result.output
    assert not (subs / "gradebook.sqlite").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CliRunner().invoke(main, ["grade", str(empty), "--workers", "1"]).exit_code == 2
    assert not (empty / "gradebook.sqlite").exists()


def test_grade_refuses_unconfined_grading_unless_allowed(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    subs = tmp_path / "subs"
    (subs / "ada").mkdir(parents=True)
    (subs / "ada" / "layer_norm.py").write_text(textwrap.dedent(CORRECT))
    monkeypatch.setenv("GRADER_ISOLATION", "none")
    refused = CliRunner().invoke(main, ["grade", str(subs), "--workers", "1"], env={"COLUMNS": "300"})
    assert refused.exit_code == 2 and "--allow-unisolated" in refused.output
    assert not (subs / "gradebook.sqlite").exists()
    allowed = CliRunner().invoke(main, ["grade", str(subs), "--workers", "1", "--allow-unisolated"],
                                 env={"COLUMNS": "300"})
    assert allowed.exit_code == 0, allowed.output
    assert "isolation none" in allowed.output and "passed 1" in allowed.output


def test_files_for_problems_the_course_does_not_know_are_named_when_others_match(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.delenv("GRADER_COURSE", raising=False)
    subs = make_class(tmp_path / "subs", {"ada": {"layer_norm.py": CORRECT, "rms_norm.py": "def rms_norm(x):\n    return x\n"}})
    result = CliRunner().invoke(main, ["grade", str(subs), "--workers", "1"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "not graded, no problem of this course by that name: rms_norm.py" in result.output
    assert "--course" in result.output


def test_a_check_holds_a_sandbox_only_while_it_runs_learner_code(course, pool, tmp_path, monkeypatch):
    """A graded file's static scan and the naming of its mistake hold no sandbox (another
    check's cases may run meanwhile); the check's runs do, and it is given back at the end."""
    from grader.instructor.batch import SandboxLease
    from grader.verdict import execute
    from grader.verdict.runner import check_problem

    taken, free_while_naming = [], []
    real_acquire, real_naming = pool.acquire, execute.name_the_mistake
    monkeypatch.setattr(pool, "acquire", lambda: taken.append(real_acquire()) or taken[-1])

    def naming(*args, **kwargs):
        free_while_naming.append(pool.free.qsize())
        return real_naming(*args, **kwargs)

    monkeypatch.setattr("grader.verdict.runner.name_the_mistake", naming)
    klass = make_class(tmp_path, {"a": {"layer_norm.py": "def layer_norm(x, eps=1e-5:\n"}, "b": {"layer_norm.py": UNBIASED}})
    lease = SandboxLease(pool)
    report = check_problem(course, course.get("layer-norm"), file=klass / "a" / "layer_norm.py", seed=3, sandbox=lease)
    lease.release()
    assert report.error_kind == "syntax-error" and taken == []  # nothing to run: no sandbox taken

    lease = SandboxLease(pool)
    report = check_problem(course, course.get("layer-norm"), file=klass / "b" / "layer_norm.py", seed=3, sandbox=lease)
    assert not report.passed and report.diagnosis is not None
    assert free_while_naming == [len(pool)]  # lent back while the mistake was named
    assert len(taken) == 2 and pool.free.qsize() == len(pool) - 1  # taken again after it, held to the end...
    lease.release()
    assert pool.free.qsize() == len(pool)  # ...then back in the pool
