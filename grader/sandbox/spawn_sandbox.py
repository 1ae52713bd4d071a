"""The spawn start method's parent side (grader/sandbox/start_method.py): one fresh interpreter
per check, the next one always started ahead, so a check does not wait for torch.

No fork and no select on pipes (neither exists on Windows): the child's two pipes are
read by threads into a queue, and the wall clock is enforced here by killing the
process (its whole process group on POSIX). What comes back is read by the same code
as a forked child's (grader/sandbox/parent.py: _Watch, _describe, _read_reply), so the
verdicts are the same.
"""

from __future__ import annotations

import os
import queue
import secrets
import signal
import subprocess
import threading
import time

from . import wire, zygote_launch
from .confine import Isolation

# How a child is launched and the environment it gets live in zygote_launch.py, which
# imports no torch: `grader check` starts the first child before it imports torch.


class SpawnError(RuntimeError):
    pass


class SpawnWorkers:
    """Spawned children for one sandbox: one waiting, one per check."""

    def __init__(self, requested: Isolation | None):
        if requested is not None and requested is not Isolation.NONE:
            raise SpawnError(f"isolation {requested.value} needs the fork start method; spawned children run at "
                             "level none")
        self.isolation = Isolation.NONE
        self._spare: subprocess.Popen | None = None

    def start(self) -> int:
        if self._spare is None:
            self._spare = zygote_launch.adopt_spawned_child() or self._launch()  # the one `grader check` prestarted
        return self._spare.pid

    @staticmethod
    def _launch() -> subprocess.Popen:
        return zygote_launch.launch_spawned_child()

    def close(self) -> None:
        if self._spare is not None:
            _kill(self._spare)
            _close(self._spare)
            self._spare = None

    def run_child(self, job, hidden: list[str]):
        """(outcomes of the cases that finished, how the child ended early or None), as
        Sandbox._run_child returns them."""
        from .parent import Outcome, _describe, _read_reply, _Watch, job_frame, job_limits
        from .status import Status

        proc = self._spare or self._launch()
        self._spare = self._launch()  # the next check's child imports torch while this one runs
        marker = secrets.token_hex(8)
        spec = {"limits": job_limits(job)}  # the check's one budget, as the zygote reads it
        try:
            proc.stdin.write(job_frame(job, hidden, job="check", marker=marker))
            proc.stdin.close()
        except OSError as exc:
            _kill(proc)
            _close(proc)
            return [], Outcome(Status.SANDBOX_ERROR, message=f"the spawned child did not take its job ({exc!r})")
        started = time.monotonic()
        watch = _Watch(spec, [{"name": c.name} for c in job.cases])
        watch.started = watch.case_started = started
        watch.budget_end = started + watch.budget
        watch.last_call = min(started + watch.wall * (len(job.cases) + 1), watch.budget_end)
        watch.deadline = min(started + watch.wall, watch.last_call)
        returncode = _supervise(proc, watch)
        status = _wait_status(returncode, watch)
        try:  # in the grader's own process here: whatever the child sent, a verdict and never a crash
            header, payload = _describe(watch, status, {"limits": spec["limits"]}, marker, time.monotonic() - started)
        except Exception as exc:
            return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox failed reading the child ({type(exc).__name__})")
        try:
            return _read_reply(header, payload, len(job.cases))
        except (wire.ProtocolError, KeyError, TypeError, ValueError) as exc:
            return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox's reply was malformed ({exc})")


def _supervise(proc: subprocess.Popen, watch) -> int | None:
    """Feed the child's frames and output to the watch until both pipes close, killing
    the child at its deadline or on a problem; the child's return code."""
    events: queue.Queue = queue.Queue()

    def pump(stream, kind):
        while True:
            chunk = stream.read1(1 << 20) if hasattr(stream, "read1") else stream.read(1 << 16)
            events.put((kind, chunk))
            if not chunk:
                return

    threads = [threading.Thread(target=pump, args=(proc.stdout, "result"), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, "output"), daemon=True)]
    for thread in threads:
        thread.start()
    open_streams = 2
    while open_streams:
        now = time.monotonic()
        if watch.problem is None and now >= watch.deadline:
            watch.problem = ("timeout", f"no result within the {watch.wall:g} s wall-clock limit")
        if watch.problem is not None:
            _kill(proc)
            break
        try:
            kind, chunk = events.get(timeout=max(0.0, min(watch.deadline - now, 0.5)))
        except queue.Empty:
            continue
        if not chunk:
            open_streams -= 1
        elif kind == "output":
            watch.on_output(chunk)
        else:
            watch.on_result_bytes(chunk)
    if watch.problem is None and len(watch.results) == watch.n_cases:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    _kill(proc)
    for thread in threads:
        thread.join(timeout=5)
    _close(proc)
    return proc.returncode


def _wait_status(returncode: int | None, watch) -> int | None:
    """The return code as a POSIX wait status, which grader/sandbox/parent.py's _describe reads.
    Windows has no signals to report: an early exit there is named from its code."""
    if returncode is None:
        return None
    if hasattr(os, "WIFSIGNALED"):
        return -returncode if returncode < 0 else (returncode & 0xFF) << 8
    if watch.problem is None and len(watch.results) < watch.n_cases:
        watch.problem = ("exited", f"the process exited (status {returncode}) before returning a result")
    return None


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)  # the child's own group: anything it started goes too
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _close(proc: subprocess.Popen) -> None:
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
