"""How a zygote is started and ended (grader/sandbox/zygote_launch.py, zygote.py): a
fresh interpreter in a session of its own, that leaves by itself, quickly, when the
grader closes its job pipe; and the prestarted one is adopted only for the level and
preload it was started for."""

from __future__ import annotations

import os

import pytest

from grader.sandbox import zygote_launch
from grader.sandbox.confine import Isolation
from grader.sandbox.parent import Sandbox
from grader.sandbox.start_method import StartMethod


@pytest.fixture
def fresh_sandbox(monkeypatch):
    monkeypatch.delenv("GRADER_START_METHOD", raising=False)
    sandbox = Sandbox()
    if sandbox.start_method is not StartMethod.FORK:
        pytest.skip("a zygote exists only under the fork start method")
    yield sandbox
    sandbox.close()


def test_the_zygote_has_a_session_and_no_terminal_of_its_own(fresh_sandbox):
    fresh_sandbox.start()
    assert fresh_sandbox.level() is not None, fresh_sandbox.error
    pid = fresh_sandbox.pid
    assert os.getsid(pid) == pid != os.getsid(0)  # it leads a new session: no controlling terminal
    assert os.getpgid(pid) != os.getpgid(0)  # and the terminal's Ctrl-C (our process group) is not sent to it


def test_the_zygote_leaves_by_itself_when_the_grader_closes_its_pipe(fresh_sandbox):
    fresh_sandbox.start()
    assert fresh_sandbox.level() is not None, fresh_sandbox.error
    proc = fresh_sandbox._proc
    fresh_sandbox.close()  # waits a bounded time, then kills: a kill would show as -SIGKILL
    assert proc.returncode == 0


def test_a_prestarted_zygote_is_adopted_only_for_its_own_level_and_preload(monkeypatch):
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    monkeypatch.setattr(zygote_launch, "_prestarted", None)
    zygote_launch.prestart()
    first = zygote_launch._prestarted
    assert first is not None
    assert zygote_launch.adopt(Isolation.NONE) is None  # another level: the prestarted one is killed
    assert first.proc.returncode is not None and zygote_launch._prestarted is None
    zygote_launch.prestart()
    second = zygote_launch._prestarted
    adopted = zygote_launch.adopt(None)
    assert adopted is second and adopted.proc.poll() is None
    sandbox = Sandbox()
    sandbox._proc, sandbox._to_zygote, sandbox._from_zygote = adopted.proc, adopted.to_zygote, adopted.from_zygote
    sandbox.pid = adopted.proc.pid
    try:
        assert sandbox.level() is not None, sandbox.error
    finally:
        sandbox.close()
    assert adopted.proc.returncode == 0


def test_under_spawn_the_first_child_is_prestarted_and_adopted(monkeypatch):
    """macOS and Windows (the spawn start method, forced here): `grader check` starts the
    first spawned child before importing torch, and no zygote (there is none on Windows)."""
    monkeypatch.setenv("GRADER_START_METHOD", "spawn")
    monkeypatch.setattr(zygote_launch, "_prestarted", None)
    monkeypatch.setattr(zygote_launch, "_prestarted_child", None)
    zygote_launch.prestart()
    child = zygote_launch._prestarted_child
    assert zygote_launch._prestarted is None and child is not None
    sandbox = Sandbox()
    assert sandbox.start_method is StartMethod.SPAWN
    sandbox.start()
    try:
        assert sandbox.pid == child.pid and zygote_launch._prestarted_child is None
    finally:
        sandbox.close()
    assert child.poll() is not None


def test_a_pool_adopts_one_prestarted_zygote_per_sandbox(monkeypatch):
    """`grader grade --workers N` prestarts N zygotes; each sandbox of the pool adopts its own."""
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    monkeypatch.delenv("GRADER_START_METHOD", raising=False)
    monkeypatch.setattr(zygote_launch, "_prestarted", None)
    monkeypatch.setattr(zygote_launch, "_spare_zygotes", [])
    if Sandbox().start_method is not StartMethod.FORK:
        pytest.skip("a zygote exists only under the fork start method")
    zygote_launch.prestart(count=2)
    started = {zygote_launch._prestarted.proc.pid, *(z.proc.pid for z in zygote_launch._spare_zygotes)}
    assert len(started) == 2
    sandboxes = [Sandbox(), Sandbox()]
    try:
        for sandbox in sandboxes:
            sandbox.start()
        assert {sandbox.pid for sandbox in sandboxes} == started  # both adopted, none started anew
        assert all(sandbox.level() is not None for sandbox in sandboxes), sandboxes[0].error
        assert zygote_launch.adopt(None) is None  # nothing left over
    finally:
        for sandbox in sandboxes:
            sandbox.close()
