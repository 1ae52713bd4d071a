"""Nothing worth stealing in the process that runs learner code (issue 16, class 1).

The grader's environment holds a canary, its argv a hidden seed, and a previous learner
of the same sandbox left a distinctive output and printed line. A second learner's
child, confined and paused (it sleeps in its first case), is read FROM THE PARENT
(/proc/<pid>/maps and /proc/<pid>/mem, as root) for all of them, at every isolation
level, in `grader check` (runner), `grader grade` (grader/instructor/batch.py) and the
Gradescope autograder (grader/instructor/gradescope.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from grader.instructor import batch, gradescope
from grader.sandbox.confine import Isolation, best_level
from grader.verdict.runner import check_problem
from grader.sandbox.parent import Sandbox

LEVELS = [lvl.value for lvl in (Isolation.NAMESPACES, Isolation.UID, Isolation.NONE) if lvl.rank <= best_level().rank]
SEED = 918273645
PREVIOUS_VALUE = 1234.5678
COMM = "gmem-paused"



def previous_source(mark: str) -> str:
    """A previous learner: prints a distinctive line, returns a distinctive float pattern."""
    return f"import torch\ndef layer_norm(x, eps=1e-5):\n    print({mark!r})\n" \
           f"    return torch.full_like(x, {PREVIOUS_VALUE})\n"


PAUSED = f"""
import ctypes, time, torch
def layer_norm(x, eps=1e-5):
    ctypes.CDLL(None).prctl(15, b"{COMM}", 0, 0, 0)
    time.sleep(30)
    return x
"""


def _needles(canary: str, previous_mark: str) -> dict[str, bytes]:
    return {"environment canary": canary.encode(), "hidden seed": str(SEED).encode(),
            "previous learner's printed line": previous_mark.encode(),
            "previous learner's output": struct.pack("<f", PREVIOUS_VALUE) * 4}


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _paused_child(root: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _descendants(root):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == COMM:
                    return pid
            except OSError:
                pass
        time.sleep(0.05)
    raise AssertionError("the paused child never appeared")


def _search(pid: int, needles: dict[str, bytes]) -> list[str]:
    """What of `needles` the process's memory holds (every readable private mapping,
    heap and stack included)."""
    found = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            parts = line.split()
            lo, hi = (int(v, 16) for v in parts[0].split("-"))
            if "r" not in parts[1] or hi - lo > (1 << 30):
                continue
            if len(parts) > 5 and parts[5].startswith("/") and not parts[5].startswith("/memfd"):
                continue  # a mapped library or file: not the process's own data
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for what, needle in needles.items():
                if needle in data:
                    found.add(what)
    return sorted(found)


def _run_and_search(start, sandbox_root, needles) -> list[str]:
    """Start the grading in a thread, find the paused child under `sandbox_root()` (the
    zygote's pid, once started), search it, then end it."""
    errors: list[BaseException] = []

    def target():
        try:
            start()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while sandbox_root() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = _paused_child(sandbox_root())
    time.sleep(0.2)  # confined and asleep
    try:
        return _search(pid, needles)
    finally:
        os.kill(sandbox_root(), signal.SIGKILL)  # the zygote: its supervisor and child die with it
        thread.join(90)
        assert not errors, errors


@pytest.fixture
def planted(monkeypatch):
    canary = f"mem-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("GRADER_MEMORY_CANARY", canary)
    monkeypatch.setattr(sys, "argv", [sys.argv[0], "grade", "--seed", str(SEED), "submissions"])
    mark = f"PREVIOUS-LEARNER-{uuid.uuid4().hex}"
    return canary, mark


@pytest.mark.parametrize("level", LEVELS)
def test_check_child_holds_no_secret(level, planted, course, tmp_path):
    canary, mark = planted
    box = Sandbox(isolation=level)
    box.start()
    try:
        first = tmp_path / "first"
        first.mkdir()
        (first / "layer_norm.py").write_text(previous_source(mark))
        report = check_problem(course, course.get("layer-norm"), file=first / "layer_norm.py", sandbox=box,
                               seed=SEED, diagnose=False, localise=False)
        assert mark in report.cases[0].output  # the previous learner really ran in this sandbox
        second = tmp_path / "second"
        second.mkdir()
        (second / "layer_norm.py").write_text(PAUSED)
        found = _run_and_search(
            lambda: check_problem(course, course.get("layer-norm"), file=second / "layer_norm.py", sandbox=box,
                                  seed=SEED, diagnose=False, localise=False),
            lambda: box.pid, _needles(canary, mark))
    finally:
        box.close()
    assert found == [], f"the child at level {level} holds: {found}"


@pytest.mark.parametrize("level", LEVELS)
def test_grade_child_holds_no_secret(level, planted, course, tmp_path):
    canary, mark = planted
    root = tmp_path / "submissions"
    for learner, source in (("a-first", previous_source(mark)),
                            ("b-second", PAUSED)):
        (root / learner).mkdir(parents=True)
        (root / learner / "layer_norm.py").write_text(source)
    found_subs = batch.find_submissions(root, course, ["layer-norm"])
    pool = batch.SandboxPool(1, hidden=[root])
    for sandbox in pool.sandboxes:
        sandbox.requested = Isolation(level)
    pool.start()
    try:
        outcomes = []

        def start():
            outcomes.extend(batch.grade_submissions(course, found_subs.submissions, SEED, pool))

        found = _run_and_search(start, lambda: pool.sandboxes[0].pid, _needles(canary, mark))
    finally:
        pool.close()
    first = next(o for o in outcomes if o.submission.learner == "a-first")
    assert mark in first.report.cases[0].output
    assert found == [], f"the child at level {level} holds: {found}"


@pytest.mark.parametrize("level", LEVELS)
def test_gradescope_child_holds_no_secret(level, planted, tmp_path, monkeypatch):
    canary, mark = planted
    monkeypatch.setenv("GRADER_ISOLATION", level)
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / "gradescope.json").write_text(json.dumps(
        {"problems": ["layer-norm"], "seed": SEED, "allow_unisolated": True}))
    (root / "submission" / "layer_norm.py").write_text(PAUSED)
    boxes: list[Sandbox] = []
    real_start = Sandbox.start

    def start(self):
        boxes.append(self)
        real_start(self)

    monkeypatch.setattr(gradescope.Sandbox, "start", start)
    found = _run_and_search(lambda: gradescope.grade(root), lambda: boxes[0].pid if boxes else None,
                            {k: v for k, v in _needles(canary, mark).items() if "previous" not in k})
    assert found == [], f"the child at level {level} holds: {found}"


def test_the_search_finds_what_is_there(tmp_path):
    """The search itself works: a process that holds the needles is found to hold them."""
    needle = f"needle-{uuid.uuid4().hex}"
    pid = os.fork()
    if pid == 0:
        keep = [needle.encode() * 2, struct.pack("<f", PREVIOUS_VALUE) * 8]  # noqa: F841
        time.sleep(30)
        os._exit(0)
    try:
        time.sleep(0.2)
        found = _search(pid, {"needle": needle.encode(), "float": struct.pack("<f", PREVIOUS_VALUE) * 4})
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert found == ["float", "needle"]
