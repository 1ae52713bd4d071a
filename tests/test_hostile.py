"""Hostile code cannot crash, hang or fool the grader, and gets a clear failing verdict.

Each solution below is what a learner (or a cheat) could submit for layer-norm. The
verdict must be "not passed", reached quickly, with a message that says what happened.
"""

import time

import pytest

from conftest import failing_messages
from grader.sandbox.parent import Limits

FAST = Limits(wall_seconds=3, cpu_seconds=1, memory_mb=1024)

CORRECT_BODY = """
    c = x - x.mean(-1, keepdim=True)
    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
"""


def hostile(prelude: str, body: str = "") -> str:
    return "import torch\n" + prelude + "\ndef layer_norm(x, eps=1e-5):\n" + body + CORRECT_BODY


def run(grade, source):
    started = time.monotonic()
    report = grade("layer-norm", source, limits=FAST)
    return report, time.monotonic() - started


def test_infinite_loop_hits_cpu_limit_once(grade):
    report, took = run(grade, hostile("", "    while True:\n        pass\n"))
    assert not report.passed
    assert report.cases[0].status == "cpu-limit"
    assert all(c.status == "skipped" for c in report.cases[1:])
    assert took < 8


def test_sleeping_code_hits_wall_clock_limit(grade):
    report, took = run(grade, hostile("import time", "    time.sleep(60)\n"))
    assert not report.passed
    assert report.cases[0].status == "timeout" and "wall-clock" in report.cases[0].message
    assert took < 10


def test_sys_exit_zero_is_not_a_pass(grade):
    report, _ = run(grade, hostile("", "    raise SystemExit(0)\n"))
    assert not report.passed and report.score == 0
    assert all(c.status == "exited" for c in report.cases)
    assert "SystemExit" in report.cases[0].message


def test_os_exit_zero_is_not_a_pass(grade):
    # torch.os is the os module: no import statement for the static scan to see.
    report, _ = run(grade, hostile("", "    torch.os._exit(0)\n"))
    assert not report.passed and report.score == 0
    assert all(c.status == "exited" for c in report.cases)
    assert "before returning a result" in report.cases[0].message


def test_printing_a_fake_passing_verdict_changes_nothing(grade):
    fake = '{"problem": "layer-norm", "passed": true, "score": 1.0, "cases": []}'
    report, _ = run(grade, hostile("", f"    print({fake!r} * 2000)\n    return x\n"))
    assert not report.passed
    assert report.cases[0].output.startswith(fake)
    assert report.cases[0].output_truncated > 0  # flooding is cut, and said so


def test_monkeypatching_torch_allclose_does_not_help(grade):
    source = hostile("torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True", "    return x * 0\n")
    report, _ = run(grade, source)
    assert not report.passed
    assert "values differ" in failing_messages(report)


def test_mutating_the_inputs_does_not_fool_the_reference(grade):
    # Writes the right answer into x and returns x: the output is right, but x was changed.
    report, _ = run(grade, hostile("", "    c = x - x.mean(-1, keepdim=True)\n"
                                      "    x.copy_(c / ((c * c).mean(-1, keepdim=True) + eps).sqrt())\n    return x\n"))
    assert not report.passed
    assert "changed its input `x` in place" in failing_messages(report)


def test_huge_allocation_hits_memory_limit(grade):
    report, took = run(grade, hostile("", "    big = torch.empty(50_000_000_000)\n"))
    assert not report.passed
    assert report.cases[0].status == "memory-limit"
    assert took < 10


def test_lying_tensor_subclass_is_rejected(grade):
    prelude = (
        "class Liar(torch.Tensor):\n"
        "    def __eq__(self, other):\n        return True\n"
    )
    report, _ = run(grade, hostile(prelude, "    return torch.zeros_like(x).as_subclass(Liar)\n"))
    assert not report.passed
    assert "tensor subclass" in failing_messages(report)


def test_importing_the_reference_is_blocked(grade):
    report, _ = run(grade, hostile("", "    import reference.layer_norm as r\n    return r.layer_norm(x, eps)\n"))
    assert not report.passed
    assert any("import reference" in v.api for v in report.violations)
    assert "cannot be imported" in failing_messages(report)


def test_reading_the_reference_file_is_blocked(grade, course):
    path = str(course.get("layer-norm").reference_path)
    report, _ = run(grade, hostile("", f"    src = torch.serialization.open({path!r}).read()\n    return x\n"))
    assert not report.passed


def test_reference_not_reachable_through_the_sandbox_memory(grade):
    # The zygote was forked before any reference was loaded: nothing to find in sys.modules.
    body = ("    import sys as s\n"
            "    refs = [m for m in s.modules if m.startswith('_grader_reference')]\n"
            "    if refs:\n        return s.modules[refs[0]].layer_norm(x, eps)\n"
            "    raise RuntimeError('no reference in memory')\n")
    report, _ = run(grade, "import torch\ndef layer_norm(x, eps=1e-5):\n" + body)
    assert not report.passed
    assert "no reference in memory" in failing_messages(report)


def test_native_crash_is_reported(grade):
    report, _ = run(grade, hostile("import ctypes", "    ctypes.string_at(0)\n"))
    assert not report.passed
    assert report.cases[0].status == "crashed" and "SIGSEGV" in report.cases[0].message


def test_exception_traceback_is_trimmed_to_learner_frames(grade):
    report, _ = run(grade, hostile("", "    return helper(x)\n") + "\ndef helper(x):\n    return x @ x\n")
    tb = report.cases[0].traceback
    assert "layer_norm.py" in tb and "helper" in tb
    assert "grader/" not in tb and "site-packages" not in tb


@pytest.mark.parametrize("source, kind", [
    ("def layer_norm(x, eps=1e-5)\n    return x\n", "syntax-error"),
    ("import torch\ndef normalise(x, eps=1e-5):\n    return x\n", "missing-entry"),
    ("import torch\nraise ValueError('at import')\ndef layer_norm(x, eps=1e-5):\n    return x\n", "import-error"),
])
def test_broken_files_get_one_clear_error(grade, source, kind):
    report, _ = run(grade, source)
    assert not report.passed and report.error_kind == kind
    if kind == "syntax-error":
        assert "layer_norm.py:1" in report.error


def test_wrong_signature_is_named(grade):
    report, _ = run(grade, "def layer_norm(x):\n    return x\n")
    assert not report.passed
    bad = [c for c in report.cases if c.status == "wrong-signature"]
    assert bad and "eps" in bad[0].message


def test_a_dead_zygote_is_replaced_by_a_fresh_interpreter(course):
    # After start-up this process may hold references: a replacement must not be a fork of it.
    import os
    import signal

    from grader.verdict.runner import check_problem
    from grader.sandbox.parent import Sandbox

    sandbox = Sandbox()
    sandbox.start()
    try:
        os.kill(sandbox.pid, signal.SIGKILL)
        problem = course.get("layer-norm")
        first = check_problem(course, problem, source="def layer_norm(x, eps=1e-5):\n    return x\n",
                              sandbox=sandbox, localise=False)
        assert first.cases[0].status == "sandbox-error" and not first.passed
        second = check_problem(course, problem, source="def layer_norm(x, eps=1e-5):\n    return x\n",
                               sandbox=sandbox, localise=False)
        assert sandbox._proc is not None  # spawned, not forked
        assert second.cases[0].status == "ok" and not second.passed
    finally:
        sandbox.close()


def test_warnings_from_torch_are_shown_at_the_learner_line(grade):
    report, _ = run(grade, "import torch\ndef layer_norm(x, eps=1e-5):\n"
                           "    v = x.var(-1, keepdim=True)\n"
                           "    return (x - x.mean(-1, keepdim=True)) / torch.sqrt(v + eps)\n")
    printed = "".join(c.output for c in report.cases)
    assert "layer_norm.py:3: UserWarning: var()" in printed
    assert "grader" not in printed


def test_terminal_escape_sequences_in_output_are_neutralised(grade):
    report, _ = run(grade, hostile("", "    print('\\x1b[2J\\x1b[H\\rPASSED \\u202e')\n"))
    printed = report.cases[0].output
    assert "PASSED" in printed
    assert not any(ch in printed for ch in "\x1b\r\u202e")
