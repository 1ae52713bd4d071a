"""Running learner code in a child process with limits, and getting plain data back.

A zygote process is forked before any hidden reference is loaded, so nothing a child
can read in its memory leads to the reference. For each job the zygote forks a child
that sets CPU, memory and file-size limits, captures stdout and stderr, blocks imports
and file reads of the references, imports the learner's file under the run-time guard,
runs the problem's probe and writes back plain tensors with `torch.save`. The zygote
enforces the wall-clock limit and relays the outcome; the parent loads it with
`weights_only=True`. Nothing the child sends is a verdict: the parent compares.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .banned import build_spec
from .violations import Violation

MiB = 1024 * 1024


@dataclass
class Limits:
    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_mb: int = 2048  # on top of what the child already uses after fork
    output_bytes: int = 8192  # kept of stdout+stderr; the rest is counted, not kept
    result_mb: int = 256

    @classmethod
    def from_config(cls, config: dict) -> "Limits":
        lim = cls()
        for key, value in (config or {}).items():
            if hasattr(lim, key):
                setattr(lim, key, type(getattr(lim, key))(value))
        return lim


@dataclass
class Job:
    entry: str
    inputs: dict
    module_name: str
    learner_file: str | None = None  # a file in the workspace...
    learner_source: str | None = None  # ...or source text (notebook)
    workspace: str | None = None
    probe_path: str | None = None
    banned: list[str] = field(default_factory=list)
    banned_aten: list[str] = field(default_factory=list)
    blocked_dirs: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    options: dict = field(default_factory=dict)  # passed to the probe


@dataclass
class Outcome:
    """What happened in the child. `status` is one of:
    ok, exception, syntax-error, import-error, missing-entry, wrong-signature, bad-output,
    timeout, cpu-limit, memory-limit, exited, crashed, sandbox-error."""

    status: str
    value: dict | None = None
    message: str = ""
    traceback: str = ""
    violations: list[Violation] = field(default_factory=list)
    output: str = ""
    output_truncated: int = 0  # bytes dropped
    elapsed: float = 0.0
    exit_code: int | None = None
    signal: int | None = None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Learner output shown in a terminal: no escape sequences, carriage returns or
    bidi overrides that could clear the screen or redraw the verdict."""
    return _CONTROL.sub("\ufffd", text)


# --------------------------------------------------------------------------- framing
def _write_frame(fd: int, payload: bytes) -> None:
    data = struct.pack("!Q", len(payload)) + payload
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> bytes:
    (size,) = struct.unpack("!Q", _read_exact(fd, 8))
    return _read_exact(fd, size)


# --------------------------------------------------------------------------- parent side
class Sandbox:
    """Owns a zygote. Start it before loading any reference; reuse it for many jobs.

    The zygote is normally forked from this process (cheap, torch already imported).
    With `spawn=True`, or when a zygote has to be replaced after it died (by then this
    process may hold references), it is a fresh interpreter instead: `python -m grader.zygote`.
    """

    def __init__(self, spawn: bool = False):
        self.spawn = spawn
        self.pid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._to_zygote: int | None = None
        self._from_zygote: int | None = None
        self._started_before = False

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self.pid is not None:
            return
        if self.spawn or self._started_before:
            self._spawn_zygote()
        else:
            self._fork_zygote()
        self._started_before = True

    def _fork_zygote(self) -> None:
        torch.set_num_threads(1)  # a forked child hangs in OpenMP if the parent used threads
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # zygote
            code = 0
            try:
                os.close(job_w)
                os.close(res_r)
                _zygote_loop(job_r, res_w)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(job_r)
        os.close(res_w)
        self.pid, self._to_zygote, self._from_zygote = pid, job_w, res_r

    def _spawn_zygote(self) -> None:
        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        env = dict(os.environ, OMP_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parent.parent),
                                                         env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen([sys.executable, "-m", "grader.zygote", str(job_r), str(res_w)],
                                      pass_fds=(job_r, res_w), stdin=subprocess.DEVNULL, env=env, close_fds=True)
        os.close(job_r)
        os.close(res_w)
        self.pid, self._to_zygote, self._from_zygote = self._proc.pid, job_w, res_r

    def run(self, job: Job) -> Outcome:
        if self.pid is None:
            self.start()
        try:
            _write_frame(self._to_zygote, pickle.dumps(job))
            raw = _read_frame(self._from_zygote)
        except (EOFError, BrokenPipeError, OSError) as exc:
            self.close()
            return Outcome("sandbox-error", message=f"the sandbox stopped unexpectedly ({exc!r})")
        meta, payload = pickle.loads(raw)
        outcome = Outcome(**meta)
        if payload is not None and outcome.status == "ok":
            try:
                outcome.value = torch.load(io.BytesIO(payload), weights_only=True)
            except Exception as exc:  # a forged or broken result is no result
                outcome.status = "bad-output"
                outcome.message = f"the result could not be read back as plain tensors ({type(exc).__name__})"
            if outcome.status == "ok" and not isinstance(outcome.value, dict):
                outcome.status = "bad-output"
                outcome.message = "the result was not well-formed"
        return outcome

    def close(self) -> None:
        if self.pid is None:
            return
        for fd in (self._to_zygote, self._from_zygote):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._proc is not None:
            try:
                self._proc.wait(timeout=2)  # the zygote exits when its job pipe closes
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        self.pid = None


# --------------------------------------------------------------------------- zygote side
def _warm_up() -> None:
    """Pay torch's lazy first-use costs (dispatch-mode machinery, aten op table) once in
    the zygote, not in every child against its CPU limit."""
    from .banned import aten_ops_available
    from .guard import Guard, LearnerFrames

    aten_ops_available()

    with Guard(build_spec([]), LearnerFrames([])):
        a = torch.randn(4, 4, dtype=torch.float64)
        (torch.softmax(a @ a.T, -1).float().mean(-1, keepdim=True) * 2).sum()
    from .child import sanitize

    torch.save(sanitize({"a": a, "b": [a.float()]}), io.BytesIO())


def _zygote_loop(job_r: int, res_w: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(1)
    _warm_up()
    while True:
        try:
            job: Job = pickle.loads(_read_frame(job_r))
        except EOFError:
            return
        build_spec(job.banned, job.banned_aten)  # cached here, inherited by the child
        meta, payload = _supervise(job)
        _write_frame(res_w, pickle.dumps((meta, payload)))


def _supervise(job: Job) -> tuple[dict, bytes | None]:
    """Fork one child for the job, watch it, and describe what happened."""
    out_r, out_w = os.pipe()
    res_r, res_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(res_r)
        try:
            from .child import child_main

            child_main(job, out_w, res_w)
        finally:
            os._exit(70)
    os.close(out_w)
    os.close(res_w)
    limits = job.limits
    output = bytearray()
    dropped = 0
    result = bytearray()
    result_too_big = False
    open_fds = {out_r, res_r}
    timed_out = False
    deadline = start + limits.wall_seconds
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(remaining, 0.5))
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                open_fds.discard(fd)
                continue
            if fd == out_r:
                keep = max(0, limits.output_bytes - len(output))
                output += chunk[:keep]
                dropped += len(chunk) - min(keep, len(chunk))
            else:
                if len(result) + len(chunk) > limits.result_mb * MiB:
                    result_too_big = True
                    open_fds.discard(fd)
                else:
                    result += chunk
    if timed_out or result_too_big:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    elapsed = time.monotonic() - start
    os.close(out_r)
    os.close(res_r)
    meta = dict(output=printable(output.decode("utf-8", errors="replace")), output_truncated=dropped, elapsed=elapsed)
    if os.WIFSIGNALED(status):
        meta["signal"] = os.WTERMSIG(status)
    else:
        meta["exit_code"] = os.WEXITSTATUS(status)
    if timed_out:
        meta.update(status="timeout", message=f"no result within the {limits.wall_seconds:g} s wall-clock limit")
        return meta, None
    if result_too_big:
        meta.update(status="bad-output", message=f"the result was larger than {limits.result_mb} MiB")
        return meta, None
    sig = meta.get("signal")
    if not result:
        if sig in (signal.SIGXCPU, signal.SIGKILL) and elapsed < limits.wall_seconds:
            meta.update(status="cpu-limit", message=f"used more than the {limits.cpu_seconds} s CPU-time limit")
        elif sig is not None:
            meta.update(status="crashed", message=f"the process was killed by signal {signal.Signals(sig).name}")
        else:
            meta.update(status="exited", message=f"the process exited (status {meta.get('exit_code')}) before returning a result: "
                        "sys.exit, os._exit or a crash in native code")
        return meta, None
    try:
        header, payload = _parse_child_result(bytes(result))
    except Exception:
        meta.update(status="bad-output", message="the result was not well-formed")
        return meta, None
    meta.update(header)
    return meta, payload


def _parse_child_result(raw: bytes) -> tuple[dict, bytes | None]:
    """The child's result is JSON plus torch.save bytes: never pickle, it runs code."""
    (size,) = struct.unpack("!Q", raw[:8])
    header = json.loads(raw[8 : 8 + size].decode("utf-8"))
    payload = raw[8 + size :] or None
    if not isinstance(header, dict):
        raise ValueError("header")
    clean = {
        "status": str(header.get("status", "bad-output")),
        "message": printable(str(header.get("message", ""))[:4000]),
        "traceback": printable(str(header.get("traceback", ""))[:8000]),
        "violations": [
            Violation(str(v["api"]), str(v["file"]), int(v["line"]), str(v["how"]), str(v.get("kind", "banned")))
            for v in header.get("violations", [])[:100]
        ],
    }
    return clean, payload
