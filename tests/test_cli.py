"""End to end through the real `grader` command: a handful of runs in fresh processes."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

CORRECT = textwrap.dedent("""
    import torch
    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
""")


def grader(*args, cwd):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    env.pop("GRADER_WORKSPACE", None)
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    done = grader("init", str(ws), cwd=ws)
    assert done.returncode == 0, done.stderr
    return ws


def test_init_creates_importable_stubs(workspace):
    assert (workspace / "layer_norm.py").exists()
    assert "NotImplementedError" in (workspace / "layer_norm.py").read_text()


def test_stub_check_fails_with_json_and_exit_1(workspace):
    done = grader("check", "layer-norm", "--json", cwd=workspace)
    assert done.returncode == 1, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["problem"] == "layer-norm" and verdict["passed"] is False and verdict["score"] == 0
    assert verdict["error_kind"] == "not-implemented"


def test_correct_file_passes_exit_0_and_records_progress(workspace):
    (workspace / "layer_norm.py").write_text(CORRECT)
    done = grader("check", "layer-norm", cwd=workspace)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    listing = grader("list", cwd=workspace)
    assert "solved" in listing.stdout


def test_fake_verdict_printed_by_learner_stays_out_of_stdout(tmp_path):
    path = tmp_path / "cheat.py"
    path.write_text('print(\'{"passed": true, "score": 1.0}\')\n'
                    "def layer_norm(x, eps=1e-5):\n    print('{\"passed\": true}')\n    return x\n")
    done = grader("check", "layer-norm", "--file", str(path), "--json", cwd=tmp_path)
    assert done.returncode == 1
    verdict = json.loads(done.stdout)  # exactly one JSON object: the grader's
    assert verdict["passed"] is False
    assert '{"passed": true}' in verdict["cases"][0]["output"]


def test_usage_errors_exit_2(workspace):
    assert grader("check", "no-such-problem", cwd=workspace).returncode == 2
    assert grader("check", "layer-norm", "--file", "missing.py", cwd=workspace).returncode == 2


def test_hint_and_reset(workspace):
    first = grader("hint", "layer-norm", cwd=workspace)
    second = grader("hint", "layer-norm", cwd=workspace)
    assert "Hint 1/" in first.stdout and "Hint 2/" in second.stdout
    (workspace / "layer_norm.py").write_text(CORRECT + "\n# mine\n")
    done = grader("reset", "layer-norm", cwd=workspace)
    assert done.returncode == 0
    assert "NotImplementedError" in (workspace / "layer_norm.py").read_text()
    backups = list((workspace / ".grader" / "backups").glob("layer_norm.*.py"))
    assert backups and "# mine" in backups[0].read_text()


def grader_into_closed_pipe(*args, cwd):
    """Run `grader ARGS | head -0`: stdout's reader is gone before the grader writes a byte."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
    env.pop("GRADER_WORKSPACE", None)
    try:
        return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120, env=env)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("as_json", [False, True])
def test_a_closed_stdout_pipe_keeps_the_verdicts_exit_code(tmp_path, as_json):
    (tmp_path / "layer_norm.py").write_text(CORRECT)
    (tmp_path / "wrong.py").write_text("def layer_norm(x, eps=1e-5):\n    return x\n")
    flags = ["--json"] if as_json else []
    passed = grader_into_closed_pipe("check", "layer-norm", "--file", "layer_norm.py", *flags, cwd=tmp_path)
    failed = grader_into_closed_pipe("check", "layer-norm", "--file", "wrong.py", *flags, cwd=tmp_path)
    assert (passed.returncode, failed.returncode) == (0, 1), passed.stderr + failed.stderr
    assert "Traceback" not in passed.stderr + failed.stderr
    assert "Exception ignored" not in passed.stderr + failed.stderr
