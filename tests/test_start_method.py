"""The spawn start method (grader/sandbox/start_method.py, spawn_sandbox.py, spawn_child.py):
the path a Mac or a Windows machine takes, forced here on Linux. The same files get
the same verdicts as under fork; the limits still hold; the switches that stand for
a platform without seccomp or without resource limits are honoured."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from grader.sandbox.confine import Isolation
from grader.verdict.runner import check_problem
from grader.sandbox.parent import Limits, Sandbox
from grader.sandbox.start_method import StartMethod, chosen_start_method, rlimits_available, seccomp_wanted

CORRECT = """
    import torch
    def layer_norm(x, eps=1e-5):
        print("mean is", x.mean())  # printing a tensor is fine
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
"""
UNBIASED = """
    import torch
    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).sum(-1, keepdim=True) / (x.shape[-1] - 1) + eps)
"""
BANNED_AT_RUN_TIME = """
    import torch
    def layer_norm(x, eps=1e-5):
        f = getattr(torch.nn.functional, "layer" + "_norm")
        return f(x, x.shape[-1:], eps=eps)
"""
ENDLESS = """
    def layer_norm(x, eps=1e-5):
        while True:
            pass
"""


@pytest.fixture(scope="module")
def spawned():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_START_METHOD", "spawn")
        sandbox = Sandbox()
    assert sandbox.start_method is StartMethod.SPAWN
    sandbox.start()
    yield sandbox
    sandbox.close()


def _check(course, tmp_path, sandbox, source, **kwargs):
    path = tmp_path / "layer_norm.py"
    path.write_text(textwrap.dedent(source))
    return check_problem(course, course.get("layer-norm"), file=path, workspace=tmp_path, sandbox=sandbox, **kwargs)


def _verdict(report):
    return (report.passed, report.error_kind, [(c.name, c.passed, c.status) for c in report.cases],
            (report.diagnosis or {}).get("id"), sorted(v.api for v in report.violations))


@pytest.mark.parametrize("source", [CORRECT, UNBIASED, BANNED_AT_RUN_TIME], ids=["correct", "unbiased", "banned"])
def test_spawn_gives_the_verdicts_of_fork(source, course, tmp_path, sandbox, spawned):
    forked = _check(course, tmp_path, sandbox, source)
    fresh = _check(course, tmp_path, spawned, source)
    assert fresh.isolation == "none"
    assert _verdict(fresh) == _verdict(forked)
    assert fresh.passed is (source is CORRECT)
    if source is CORRECT:
        assert "mean is tensor(" in fresh.cases[0].output
    assert fresh.start_method == "spawn" and forked.start_method is None  # the report says so when not fork
    assert fresh.to_dict()["start_method"] == "spawn" and "start_method" not in forked.to_dict()
    _valid(fresh)


def _valid(report) -> None:
    import json

    import jsonschema

    from grader.verdict.report import render, to_json

    schema = json.loads((Path(__file__).resolve().parent.parent / "grader/verdict/schema/report.schema.json").read_text())
    jsonschema.validate(json.loads(to_json(report)), schema)
    console = Console(width=200, record=True, file=io.StringIO())
    render(report, console)
    assert "isolation: none (spawn)" in console.export_text()


def test_spawned_children_keep_the_wall_clock(course, tmp_path, spawned):
    report = _check(course, tmp_path, spawned, ENDLESS, limits=Limits(wall_seconds=1.5, cpu_seconds=30))
    assert not report.passed
    assert report.cases[0].status == "timeout"


def test_without_seccomp_or_rlimits_the_check_still_runs(course, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    monkeypatch.setenv("GRADER_NO_SECCOMP", "1")
    monkeypatch.setenv("GRADER_NO_RLIMIT", "1")
    assert not seccomp_wanted() and not rlimits_available()
    with Sandbox() as bare:
        good = _check(course, tmp_path, bare, CORRECT)
        endless = _check(course, tmp_path, bare, ENDLESS, limits=Limits(wall_seconds=1.5, cpu_seconds=1))
    assert good.passed and good.isolation == "none"
    assert endless.cases[0].status == "timeout"  # no CPU limit here: the wall clock ends it


def test_spawn_refuses_a_level_it_cannot_give(course, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    with Sandbox(isolation=Isolation.NAMESPACES) as strict:
        report = _check(course, tmp_path, strict, CORRECT)
    assert not report.passed and report.cases and all(c.status == "sandbox-error" for c in report.cases[:1])
    assert "fork start method" in report.cases[0].message


def test_the_start_method_switch(monkeypatch):
    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    assert chosen_start_method() is StartMethod.SPAWN
    monkeypatch.setenv("GRADER_START_METHOD", "fork")
    assert chosen_start_method() is StartMethod.FORK
    monkeypatch.delenv("GRADER_START_METHOD")
    monkeypatch.setattr("sys.platform", "darwin")
    assert chosen_start_method() is StartMethod.SPAWN  # fork after importing torch is fragile there
    monkeypatch.setattr("sys.platform", "win32")
    assert chosen_start_method() is StartMethod.SPAWN and not seccomp_wanted()


def test_the_notebook_checks_with_spawned_children(monkeypatch):
    from grader.learner import notebook

    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / (c * c).mean(-1, keepdim=True).add(eps).sqrt()

    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    monkeypatch.setattr(notebook, "_SANDBOX", None)
    try:
        report = notebook.check("layer-norm", layer_norm, show=False)
    finally:
        if notebook._SANDBOX is not None:
            notebook._SANDBOX.close()
    assert report.passed and report.isolation == "none" and report.start_method == "spawn"


def test_confinement_code_imports_without_resource():
    """Windows has no `resource`: the grader's confinement and child code still import."""
    import subprocess
    import sys

    probe = ("import sys\nsys.modules['resource'] = None\nimport grader.sandbox.confine, grader.sandbox.child\n"
             "print(grader.sandbox.child.resource.__name__, grader.sandbox.confine.resource.getrlimit(0))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["grader.sandbox.no_rlimit", "(-1,", "-1)"], done.stderr
