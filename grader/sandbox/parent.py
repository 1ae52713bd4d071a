"""Running learner code in a confined child process, and getting plain data back.

The zygote is always a FRESH interpreter (`python -m grader.sandbox.zygote`), started with a
scrubbed environment and argv and in the root directory: it never held the grader's
memory (its argv with `--seed`, its environment, a loaded reference, a previous
learner's reply), so no child forked from it can find them. It imports torch, warms
up, and then never reads a learner's data: for each check it forks a SUPERVISOR that
reads the job from the grader's pipe, forks ONE child for all of the check's cases,
watches it, writes the reply straight to the grader and exits; the zygote only waits
for it. So the job, the outputs and the reply live only in processes that are gone
after the check. The child is confined by the operating system (grader/sandbox/confine.py:
namespaces, or a per-check unprivileged uid, Landlock, a seccomp filter and limits),
imports the learner's file under the run-time guard, runs the problem's probe on each
case and streams back one frame per case (a JSON header and packed bytes, wire.py). The
supervisor enforces the wall clock per case and the check's total budget, the size of
everything, and kills the child (its pid, its group and, at the uid level, every
process of its uid) when the check ends. A case during which the child died is run
again alone, so its verdict names it.

The grader trusts nothing that comes back: no pickle on any channel (a job goes down as
a JSON spec and its cases as `torch.save` data), every frame is length-capped and parsed
defensively, results are unpacked with every size checked first (or, the fallback, loaded
with `weights_only=True`) and reduced to plain CPU tensors, and a malformed
reply is a `sandbox-error` or `bad-output` verdict, never a crash. The verdict itself
is computed in the grader's process, which the child cannot reach.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import importlib
import json
import math
import os
import pickle
import re
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .printable import printable  # noqa: F401 (re-exported: learner text made safe)

from . import confine, wire, zygote_launch
from .pipes import wide_pipe
from ..policy.banned import build_spec
from .confine import Isolation
from .start_method import StartMethod, chosen_start_method
from .status import Status
from ..policy.violations import Violation

MiB = 1024 * 1024
GRADER_DIR = str(Path(__file__).resolve().parent.parent)  # all of grader/, not one wing


@dataclass
class Limits:
    wall_seconds: float = 10.0  # per case
    cpu_seconds: int = 10  # per case
    memory_mb: int = 2048  # on top of what the child already uses after fork, for the whole check
    output_bytes: int = 8192  # kept of stdout+stderr per case; the rest is counted, not kept
    result_mb: int = 256  # all of a check's results together
    scratch_mb: int = 64  # the private /tmp (namespaces): everything the check may write
    check_seconds: float = 30.0  # the whole check: cases, reruns and evidence trials together

    @classmethod
    def from_config(cls, config: dict) -> "Limits":
        """A problem's [limits]; without `check_seconds`, the budget is 30 s or two of its
        per-case walls, whichever is more (a problem whose cases may each take long)."""
        lim = cls()
        for key, value in (config or {}).items():
            if hasattr(lim, key):
                setattr(lim, key, type(getattr(lim, key))(value))
        if "check_seconds" not in (config or {}):
            lim.check_seconds = max(lim.check_seconds, 2 * lim.wall_seconds)
        return lim


@dataclass
class JobCase:
    inputs: dict
    options: dict = field(default_factory=dict)  # passed to the probe
    name: str = ""  # for messages only (the budget names the case it ran out in)


@dataclass(frozen=True)
class Budget:
    """One wall-clock budget for a whole check: every run of the check's cases (the
    first run, a case re-run alone, a fresh rerun, the evidence trials) spends from it."""

    seconds: float
    deadline: float  # time.monotonic()

    @classmethod
    def start(cls, seconds: float) -> "Budget":
        return cls(float(seconds), time.monotonic() + float(seconds))

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def spent_message(self, case: str = "") -> str:
        where = f" during case '{case}'" if case else ""
        return f"the check's total time budget ({self.seconds:g} s) was spent{where}"


@dataclass
class Job:
    """One check: a learner's code and the cases to run it on, in one child."""

    entry: str
    module_name: str
    cases: list[JobCase]
    learner_file: str | None = None  # a file in the workspace...
    learner_source: str | None = None  # ...or source text (notebook)
    source_name: str = "<notebook>"
    workspace: str | None = None
    probe_path: str | None = None
    banned: list[str] = field(default_factory=list)
    banned_aten: list[str] = field(default_factory=list)
    blocked_dirs: list[str] = field(default_factory=list)  # the course's reference directories
    limits: Limits = field(default_factory=Limits)
    budget: Budget | None = None  # shared by every run of one check (None: a fresh one per run)

    def subset(self, indices: list[int]) -> "Job":
        return dataclasses.replace(self, cases=[self.cases[i] for i in indices])


@dataclass
class Outcome:
    """What happened to one case in the child (grader/sandbox/status.py)."""

    status: Status
    value: dict | None = None
    message: str = ""
    traceback: str = ""
    violations: list[Violation] = field(default_factory=list)
    output: str = ""
    output_truncated: int = 0  # bytes dropped
    elapsed: float = 0.0
    exit_code: int | None = None
    signal: int | None = None


# The rest of a check is not run after these: an endless loop, or an allocation without
# end, costs its limit once, not once per case.
STOPPING = (Status.TIMEOUT, Status.CPU_LIMIT, Status.MEMORY_LIMIT)
# --------------------------------------------------------------------------- parent side
class Sandbox:
    """Owns a zygote. Start it before loading any reference; reuse it for many checks.

    The zygote is normally forked from this process (cheap, torch already imported).
    With `spawn=True`, or when a zygote has to be replaced after it died (by then this
    process may hold references), it is a fresh interpreter: `python -m grader.sandbox.zygote`.
    `isolation` forces a level (else GRADER_ISOLATION, else the best available);
    `hidden` adds paths the child must not see (a class's submissions, the gradebook).
    """

    def __init__(self, spawn: bool = True, isolation: Isolation | str | None = None,
                 hidden: list[str | os.PathLike] = (), preload: tuple[str, ...] = ()):
        self.spawn = True  # always: a fork would carry this process's memory into every child
        # Modules of trusted code the zygote imports for its children (grader validate runs a
        # reference as a learner's file, and references import the authors' API): code, never data.
        self.preload = tuple(preload)
        self.requested = Isolation(isolation) if isolation else None
        self.hidden = [str(Path(h).resolve()) for h in hidden]
        self.pid: int | None = None
        self.isolation: Isolation | None = None  # the level in force, once the zygote said
        self.error: str | None = None  # why the zygote could not confine, if it could not
        self._proc: subprocess.Popen | None = None
        self._to_zygote: int | None = None
        self._from_zygote: int | None = None
        self.start_method = chosen_start_method()  # spawn: fresh interpreters, no zygote (grader/sandbox/spawn_sandbox.py)
        self._workers = None

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        if self.pid is not None:
            return
        if self.start_method is StartMethod.SPAWN:
            return self._start_spawned()
        confine.protect_from_same_user()
        self._spawn_zygote()
        self.isolation = None

    def _start_spawned(self) -> None:
        from .spawn_sandbox import SpawnError, SpawnWorkers

        try:
            self._workers = SpawnWorkers(self.requested)
        except SpawnError as exc:
            self.error = str(exc)
            return
        self.pid = self._workers.start()
        self.isolation = self._workers.isolation

    def _spawn_zygote(self) -> None:
        """A fresh interpreter with nothing of this process (grader/sandbox/zygote_launch.py), or
        the one this command prestarted for the same level."""
        launched = zygote_launch.adopt(self.requested, self.preload) or zygote_launch.spawn(self.requested, self.preload)
        self._proc, self._to_zygote, self._from_zygote = launched.proc, launched.to_zygote, launched.from_zygote
        self.pid = launched.proc.pid

    def level(self) -> Isolation | None:
        """The isolation level this sandbox's children run at (None: it cannot run any)."""
        if self.pid is None:
            self.start()
        if self.start_method is StartMethod.SPAWN:
            return self.isolation if self._workers is not None else None
        try:
            return self.isolation if self._hello() else None
        except (EOFError, OSError, wire.ProtocolError, ValueError) as exc:
            self.error = f"the sandbox did not start ({exc!r})"
            return None

    # -- talking to the zygote ------------------------------------------------------
    def _hello(self) -> bool:
        """The zygote's first frame says which isolation level it runs children at."""
        if self.isolation is not None:
            return True
        header, _ = wire.read_frame(self._from_zygote, 0)
        if header.get("error"):
            self.error = str(header["error"])[:2000]
            return False
        self.isolation = Isolation(str(header.get("isolation")))
        return True

    def run_check(self, job: Job) -> list[Outcome | None]:
        """One outcome per case, None for cases not run after a time limit. A case during
        which the child died (and that did not run alone) is run again alone. Every run
        spends from the job's budget (a fresh one when the job has none)."""
        if job.budget is None:
            job = dataclasses.replace(job, budget=Budget.start(job.limits.check_seconds))
        outcomes: list[Outcome | None] = [None] * len(job.cases)
        todo = list(range(len(job.cases)))
        while todo:
            got, died = self._run_child(job.subset(todo))
            for k, outcome in enumerate(got):
                outcomes[todo[k]] = outcome
            if got and got[-1].status in STOPPING:  # the child stops after a memory limit (child.py)
                break
            if died is None:
                break
            index = len(got)
            if index > 0 and died.status not in STOPPING and died.status != Status.SANDBOX_ERROR:
                alone, again = self._run_child(job.subset([todo[index]]))
                seen = died.violations
                died = alone[0] if alone else again
                died.violations += [v for v in seen if v not in died.violations]  # the first run's stand
            outcomes[todo[index]] = died
            if died.status in STOPPING or died.status == Status.SANDBOX_ERROR:
                break
            todo = todo[index + 1:]
        return outcomes

    def run(self, job: Job) -> Outcome:
        """A job of one case (localisation's probes): its outcome."""
        return self.run_check(job)[0] or Outcome(Status.SANDBOX_ERROR, message="the case was not run")

    def _run_child(self, job: Job) -> tuple[list[Outcome], Outcome | None]:
        """Outcomes of the cases the child finished, in order, and how it ended when it
        ended early (None when every case came back)."""
        if self.pid is None:
            self.start()
        if job.budget is not None and job.budget.remaining() <= 0:
            name = job.cases[0].name if job.cases else ""
            return [], Outcome(Status.TIMEOUT, message=job.budget.spent_message(name))
        if self.start_method is StartMethod.SPAWN:
            if self._workers is None:
                return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox could not confine the child: {self.error}")
            return self._workers.run_child(job, self.hidden)
        try:
            if not self._hello():
                self.close()
                return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox could not confine the child: {self.error}")
            wire.write_all(self._to_zygote, job_frame(job, self.hidden, job="check"))
            if not _reply_within(self._from_zygote, job):
                self.close()
                return [], Outcome(Status.SANDBOX_ERROR, message="the sandbox gave no reply in time (it was restarted)")
            header, payload = wire.read_frame(self._from_zygote, job.limits.result_mb * MiB + MiB,
                                              reply_header_cap(len(job.cases), job.limits.output_bytes))
        except (EOFError, BrokenPipeError, OSError, wire.ProtocolError) as exc:
            self.close()
            return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox stopped unexpectedly ({exc!r})")
        try:
            return _read_reply(header, payload, len(job.cases))
        except (wire.ProtocolError, KeyError, TypeError, ValueError) as exc:
            return [], Outcome(Status.SANDBOX_ERROR, message=f"the sandbox's reply was malformed ({exc})")

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None
        if self.pid is None or self.start_method is StartMethod.SPAWN:
            self.pid = None
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


REPLY_GRACE_SECONDS = 120.0  # beyond the check's budget: a loaded machine's fork, confinement and reply


def _reply_within(fd: int, job: Job) -> bool:
    """Whether the zygote's reply starts before the check's budget, plus a grace, runs out:
    the last net under "the grader never hangs on a learner's code" (the supervisor and the
    zygote always reply; this holds if a future bug stops them)."""
    budget = job.budget.remaining() if job.budget is not None else job.limits.check_seconds
    deadline = time.monotonic() + max(0.0, budget) + REPLY_GRACE_SECONDS
    while True:
        try:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        except InterruptedError:
            continue
        return bool(ready)


REFERENCE_MODULE_PREFIX = "_grader_reference_"  # how grader/course/loader.py names a loaded reference


def references_loaded() -> list[str]:
    """Hidden references this process has loaded: a zygote forked from it would hand
    them to every child, so it is spawned fresh instead (a rule, not a comment)."""
    return [name for name in list(sys.modules) if name.startswith(REFERENCE_MODULE_PREFIX)]


def job_limits(job: Job) -> dict:
    """The limits a child is watched by, as plain data: the problem's, plus what is left of
    the check's one budget (`budget_seconds`) and its whole size (`check_seconds`, named
    when it is spent). The zygote's and the spawned path's watches both read this."""
    limits = dataclasses.asdict(job.limits)
    budget = job.budget.remaining() if job.budget is not None else job.limits.check_seconds
    limits["budget_seconds"] = max(0.0, budget)
    limits["check_seconds"] = job.budget.seconds if job.budget is not None else job.limits.check_seconds
    return limits


def job_frame(check: Job, extra_hidden: list[str], **header) -> bytes:
    """One check's job as one frame: the spec (plain data) in the JSON header, the cases as
    the payload (torch.save bytes, `encoded_cases`). The header also names the cases by
    their digest and says whether the grader has sent them before (`shared`: every learner
    of a class gets the same ones), so that the zygote can keep them decoded for the next
    checks (`_KNOWN_CASES`): cases are the grader's inputs, never a secret."""
    spec = {f.name: getattr(check, f.name) for f in dataclasses.fields(check)
            if f.name not in ("cases", "limits", "budget")}
    spec["limits"] = job_limits(check)
    spec["hidden"] = hidden_paths(check, extra_hidden)
    data, digest, shared = _encoded(check.cases)
    return wire.encode({**header, "spec": spec, "cases": {"digest": digest, "shared": shared}}, data)


def read_job(header: dict, payload: bytes, known: dict | None = None) -> tuple[dict, list]:
    """(spec, cases) of a job frame (`job_frame`), on the zygote's side: the cases from
    `known` (digest -> decoded cases) when they are there, else decoded from the payload."""
    about = header.get("cases") or {}
    cases = (known or {}).get(about.get("digest"))
    if cases is None:
        cases = wire.load_trusted(payload)
    return header["spec"], cases


_ENCODED: dict[tuple, tuple[list, bytes, str]] = {}  # the last few jobs' cases, encoded (oldest first)
_ENCODED_LOCK = threading.Lock()


def encoded_cases(cases: list[JobCase]) -> bytes:
    """A job's cases as torch.save bytes (read back with `wire.load_trusted`)."""
    return _encoded(cases)[0]


def _encoded(cases: list[JobCase]) -> tuple[bytes, str, bool]:
    """(bytes, digest, sent before) of a job's cases, kept for the next job with the same
    cases: every learner of a class is checked on the same input objects
    (grader/verdict/class_work.py), so a class encodes them once per problem, not once per
    file. Keyed by the objects themselves (held here, so no id is reused) and each tensor's
    version counter, which an in-place edit moves on: an entry is never stale."""
    key = tuple((c.name, repr(c.options), tuple((k, id(v), getattr(v, "_version", None)) for k, v in c.inputs.items()))
                for c in cases)
    with _ENCODED_LOCK:
        hit = _ENCODED.pop(key, None)
        if hit is not None:
            _ENCODED[key] = hit  # the most recent last
            return hit[1], hit[2], True
    data = wire.dump_value([{"inputs": c.inputs, "options": c.options, "name": c.name} for c in cases])
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    with _ENCODED_LOCK:
        _ENCODED[key] = ([c.inputs for c in cases], data, digest)
        while len(_ENCODED) > 8:
            _ENCODED.pop(next(iter(_ENCODED)))
    return data, digest, False


def hidden_paths(job: Job, extra: list[str]) -> list[str]:
    """What the child must not see: the course (its references and problems), the
    grader's package, the learner's workspace (served from memory), and `extra`."""
    paths = [GRADER_DIR, *extra, *installed_course_copies()]
    for ref in job.blocked_dirs:
        paths += [str(Path(ref).resolve()), str(Path(ref).resolve().parent)]
    if job.workspace:
        paths.append(str(Path(job.workspace).resolve()))
    if job.learner_file:
        paths.append(str(Path(job.learner_file).resolve().parent))
    return sorted(set(paths))


@functools.lru_cache(maxsize=1)
def installed_course_copies() -> tuple[str, ...]:
    """Every installed copy of the grader and of a course: on the import path, and in the
    site-packages of every Python prefix the child can see (a wheel installed in the base
    interpreter carries the course in grader/course_data even when this venv does not
    use it). Hidden too, not only the one running: a solution never needs the grader."""
    found = []
    places = [entry or "." for entry in sys.path]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr", "/usr/local"}:
        for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages", "lib/python3/dist-packages",
                        "local/lib/python3*/dist-packages"):
            places += [str(p) for p in Path(prefix).glob(pattern)]
    for entry in dict.fromkeys(places):
        for name in ("grader", "reference", "problems"):
            place = os.path.join(entry, name)
            if os.path.isdir(place) and (os.path.isdir(os.path.join(place, "course_data"))
                                         or os.path.exists(os.path.join(place, "__init__.py"))
                                         or name != "grader"):
                found.append(os.path.realpath(place))
    return tuple(sorted(set(found)))


def _read_reply(header: dict, payload: bytes, n_cases: int) -> tuple[list[Outcome], Outcome | None]:
    cases = header["cases"]
    if not isinstance(cases, list) or len(cases) > n_cases:
        raise wire.ProtocolError("case list")
    outcomes, offset, budget = [], 0, wire.ReplyBudget()
    for meta in cases:
        outcome = _outcome(meta)
        size = int(meta.get("payload", 0))
        if size < 0 or offset + size > len(payload):
            raise wire.ProtocolError("payload bounds")
        if outcome.status == Status.OK:
            try:
                outcome.value = wire.load_value(payload[offset:offset + size], budget) if size else None
            except wire.ProtocolError as exc:
                outcome.status, outcome.message = Status.BAD_OUTPUT, f"the result could not be read back: {exc}"
            except Exception as exc:  # whatever torch refuses in the learner's bytes: their output, never the sandbox's
                outcome.status = Status.BAD_OUTPUT
                outcome.message = f"the result could not be read back ({type(exc).__name__})"
            if outcome.status == Status.OK and not isinstance(outcome.value, dict):
                outcome.status, outcome.message = Status.BAD_OUTPUT, "the result was not well-formed"
        offset += size
        outcomes.append(outcome)
    end = header.get("end")
    ended = _outcome(end) if isinstance(end, dict) else None
    died = ended if len(outcomes) < n_cases else None
    if died is None and len(outcomes) < n_cases:
        died = Outcome(Status.SANDBOX_ERROR, message="the child stopped without saying why")
    if ended is not None and ended is not died:
        # Every violation the child recorded (sent as it happened), on the last case that
        # came back, even when the case's own result said none (a forged frame).
        holder = died or (outcomes[-1] if outcomes else None)
        if holder is not None:
            holder.violations += [v for v in ended.violations if v not in holder.violations]
    return outcomes, died


def _outcome(meta: dict) -> Outcome:
    if not isinstance(meta, dict):
        raise wire.ProtocolError("case header")

    def text(key, cap):
        value = meta.get(key)
        return "" if value is None else printable(str(value)[:cap])  # None (no traceback) is no text

    def number(key):
        value = meta.get(key)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    violations = []
    for v in list(meta.get("violations") or [])[:100]:
        if isinstance(v, dict):
            # Written by the child, so forgeable like any header field: shown as plain text only.
            violations.append(Violation(printable(str(v.get("api", ""))[:200]), printable(str(v.get("file", ""))[:500]),
                                        int(v.get("line", 0)) if isinstance(v.get("line"), int) else 0,
                                        printable(str(v.get("how", ""))[:500]),
                                        printable(str(v.get("kind", "banned"))[:20])))
    elapsed = meta.get("elapsed", 0.0)
    return Outcome(status=Status.parse(meta.get("status")), message=text("message", 4000),
                   traceback=text("traceback", 8000), violations=violations, output=text("output", 64 * 1024),
                   output_truncated=number("output_truncated") or 0,
                   elapsed=float(elapsed) if isinstance(elapsed, (int, float)) else 0.0,
                   exit_code=number("exit_code"), signal=number("signal"))


# --------------------------------------------------------------------------- zygote side
def _warm_up() -> None:
    """Pay torch's lazy first-use costs (dispatch-mode machinery, aten op table) once in
    the zygote, not in every child against its CPU limit; import what a confined child
    can no longer find on disk."""
    from ..policy.banned import aten_ops_available
    from ..policy.guard import Guard, LearnerFrames
    from . import child  # noqa: F401  (imported here: the child cannot read grader files)

    aten_ops_available()

    with Guard(build_spec([]), LearnerFrames([])):
        a = torch.randn(4, 4, dtype=torch.float64)
        (torch.softmax(a @ a.T, -1).float().mean(-1, keepdim=True) * 2).sum()
        _warm_common_ops()
    _warm_printing()
    # A result's packing (each child), torch.save and torch.load's weights-only unpickler (the cases
    # of a job the zygote does not hold yet): the first use of each in a process costs up to ~12 ms.
    sample = child.sanitize({"a": a, "b": [a.float(), 1, "x"]})
    wire.dump_plain(sample)
    wire.load_trusted(wire.dump_value({"job": sample}))
    _warm_file_readers()


def _warm_common_ops() -> None:
    """Run, under the guard, the ops a language model's pieces are commonly written with (in
    float32, as cases are, with autograd recording and not; no backward pass: no autograd
    threads in a process that forks): each op's first call in a process
    fills caches (the guard's facts about the op, torch's registry of Python kernels and
    dispatch keys) that every child forked after this inherits instead of filling again,
    3-4 ms of a check's CPU. Trusted code on random data; nothing of a learner."""
    import torch.nn.functional as F

    for grad in (False, True):
        with torch.set_grad_enabled(grad):
            x = torch.randn(2, 3, 8, requires_grad=grad)
            w = torch.randn(8, 8, requires_grad=grad)
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, keepdim=True, unbiased=False) + ((x - mean) ** 2).mean(-1, keepdim=True)
            y = (x - mean) / torch.sqrt(var + 1e-5) * torch.ones(8) + torch.zeros(8)
            y = y * torch.rsqrt(var + 1e-5) + F.layer_norm(x, (8,)) + F.gelu(x) + F.gelu(x, approximate="tanh")
            y = 0.5 * y * (1.0 + torch.tanh(0.79788456 * (y + 0.044715 * torch.pow(y, 3)))) + torch.erf(y)
            q, k, v = (y @ w).split(4, dim=-1)[0], y.chunk(2, dim=-1)[1], y.view(2, 3, 2, 4).transpose(1, 2)
            scores = q @ k.transpose(-2, -1) / math.sqrt(4)
            mask = torch.tril(torch.ones(3, 3, dtype=torch.bool)) & ~torch.triu(torch.ones(3, 3), 1).bool()
            scores = scores.masked_fill(~mask, float("-inf")).masked_fill(mask == 0, -1e9)
            att = torch.softmax(scores, dim=-1) + F.softmax(scores, -1) + scores.exp() / scores.exp().sum(-1, True)
            out = torch.matmul(att, v.reshape(2, 3, 8)[..., :4]) + torch.bmm(att, q) + torch.einsum("bij,bjd->bid", att, q)
            out = torch.cat([out, out], -1).permute(0, 2, 1).contiguous().view(2, -1) + torch.stack([out, out]).sum()
            out = F.linear(out.reshape(2, 3, 8), w, torch.zeros(8)) + torch.where(out.reshape(2, 3, 8) > 0, 1.0, 0.0)
            emb = torch.nn.functional.embedding(torch.arange(3).unsqueeze(0).expand(2, 3), w) + w[torch.tensor([0, 1, 2])]
            logits = (out + emb) @ w.T + torch.full((8,), 0.5) + out.max(-1, keepdim=True).values - out.amax(-1, True)
            loss = F.cross_entropy(logits.reshape(-1, 8), torch.zeros(6, dtype=torch.long)) + F.log_softmax(logits, -1).sum()
            logits.clone().abs().min() + logits.argmax(-1).float().sum() + torch.topk(logits, 2).values.sum() + loss
    buf = torch.zeros(2, 8)
    buf.add_(1).mul_(2).masked_fill_(buf > 2, 0.0).copy_(torch.ones(2, 8))
    buf[0] = torch.arange(8.0)
    torch.multinomial(torch.softmax(buf, -1), 1, generator=torch.Generator().manual_seed(0))


def _warm_file_readers() -> None:
    """Import the modules whose file readers each child disarms (grader/sandbox/child.py's
    FILE_READERS): numpy.core.records alone is a 15 ms import (a deprecation shim) that
    every child would otherwise pay again before its first case."""
    import warnings

    from .child import FILE_READERS, _resolve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for owner, _ in FILE_READERS:
            _resolve(owner)


def _warm_printing() -> None:
    """Import what torch imports lazily the first time a learner prints: the repr of
    tensors (torch._tensor_str, torch._subclasses.schema_check_mode...), of modules and
    parameters, print options, warnings, numpy conversions. A second measure: the
    confined child can import them anyway (grader/sandbox/confine.py keeps the Python environment
    visible wherever it lives)."""
    import io
    import warnings

    sink = io.StringIO()
    x = torch.ones(2, 3, requires_grad=True)
    layer = torch.nn.Linear(3, 2)
    for value in (x, x * 2, torch.ones(2, dtype=torch.int64), torch.ones(2) > 0, torch.zeros(0),
                  torch.ones(3, dtype=torch.float64), torch.ones(2, dtype=torch.bfloat16), layer, layer.weight,
                  torch.nn.Sequential(layer, torch.nn.GELU()), torch.nn.ModuleList([layer]), torch.Size([2])):
        print(value, repr(value), f"{value}", file=sink)
    print(f"{torch.tensor(1.5):.3f}", torch.tensor(1.5).item(), file=sink)
    torch.set_printoptions(precision=3, sci_mode=False)
    print(torch.randn(3), file=sink)
    torch.set_printoptions(profile="default")
    torch.from_numpy(x.detach().numpy()).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.warn("warming up", UserWarning)
    with torch.no_grad():
        layer(x)


def _zygote_loop(job_r: int, res_w: int, requested: Isolation | None = None, preload: tuple[str, ...] = ()) -> None:
    """The zygote: warm, then for each check a supervisor that does everything that
    touches learner data, while the zygote itself only waits for it to end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    confine.die_with_parent()  # the grader gone, nothing of it may keep running
    torch.set_num_threads(1)
    _warm_up()
    for name in preload:  # trusted code the caller's children need (Sandbox.preload); a failure shows there
        try:
            importlib.import_module(name)
        except Exception:
            pass
    try:
        if requested is not None:
            os.environ["GRADER_ISOLATION"] = requested.value
        level = confine.choose_level()
        confine.make_subreaper()
    except confine.ConfinementError as exc:
        wire.write_all(res_w, wire.encode({"error": str(exc)}))
        return
    confine.warm_binds()  # the installation's paths resolved once, for every child to inherit
    # Everything the zygote holds is made now: out of the collector's reach, so that no
    # supervisor or child walks (and so copies, page by page) the zygote's objects.
    gc.collect()
    gc.freeze()
    wire.write_all(res_w, wire.encode({"isolation": level.value}))
    while True:
        # The next check's supervisor is forked as soon as the last one has replied (it then
        # waits for its job): neither the fork nor the last one's exit is on a check's path.
        notes_r, notes_w = os.pipe()
        done_r, done_w = os.pipe()
        supervisor = os.fork()
        if supervisor == 0:
            code = 0
            try:
                os.close(notes_r)
                os.close(done_r)
                code = _supervise_one(job_r, res_w, level, notes_w, done_w)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(notes_w)
        os.close(done_w)
        said = _until_closed(done_r)  # the supervisor replied, saw the grader go, or died
        if said not in (REPLIED, GRADER_WENT):
            # The supervisor died before replying (killed, out of memory, a failure reading the
            # job): the grader waits for one reply per job, so the zygote gives it.
            status = _wait(supervisor)
            how = f"signal {_signal_name(os.WTERMSIG(status))}" if os.WIFSIGNALED(status) else \
                f"status {os.WEXITSTATUS(status)}"
            wire.write_all(res_w, wire.encode(_no_reply(f"the check's supervisor ended without a reply ({how})")))
        _take_notes(notes_r)
        _reap()
        if said == GRADER_WENT:
            _wait(supervisor)
            return


SUPERVISOR_SAW_EOF = 3
GRADER_WENT = b"eof"  # what a supervisor says on its done pipe when the job pipe closed
REPLIED = b"ok"  # what it says once its reply is written (a supervisor that dies says nothing)


def _until_closed(fd: int) -> bytes:
    """Everything written to `fd` until its writers closed it (a supervisor closes its
    done pipe once its reply is written; its exit closes it too)."""
    said = b""
    try:
        while True:
            chunk = os.read(fd, 64)
            if not chunk:
                return said
            said = (said + chunk)[:64]
    except OSError:
        return said
    finally:
        os.close(fd)


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0


_KNOWN_CASES: dict[str, list] = {}  # in the zygote: a class's cases, decoded once (digest -> cases)
KNOWN_CASES_KEPT = 8
NOTE_CASES_CAP = 64 * MiB


def _take_notes(notes_r: int) -> None:
    """What the last check's supervisor left for the next ones (a problem's configuration and
    the grader's inputs, never learner data): its banned lists, resolved here once, and the
    cases the grader sends to every learner of a class, decoded here once; every later
    supervisor and child inherits both instead of making them again."""
    try:
        header, payload = wire.read_frame(notes_r, NOTE_CASES_CAP)
        build_spec([str(n) for n in header.get("banned", [])], [str(n) for n in header.get("banned_aten", [])])
        digest = header.get("cases")
        if payload and isinstance(digest, str) and digest not in _KNOWN_CASES:
            _KNOWN_CASES[digest] = wire.load_trusted(payload)
            while len(_KNOWN_CASES) > KNOWN_CASES_KEPT:
                _KNOWN_CASES.pop(next(iter(_KNOWN_CASES)))
            gc.freeze()  # out of the collector's reach too, like everything the zygote made before
    except (EOFError, OSError, ValueError, ImportError, AttributeError, TypeError, wire.ProtocolError,
            pickle.UnpicklingError, RuntimeError):
        pass
    finally:
        os.close(notes_r)


def _leave_notes(notes_w: int, spec: dict, header: dict, payload: bytes) -> None:
    """The supervisor's notes for the zygote (`_take_notes`), written once its reply is out:
    the cases go along only when the grader says it sends them to every learner and the
    zygote does not hold them yet."""
    try:
        about = header.get("cases") or {}
        digest = about.get("digest")
        keep = bool(about.get("shared")) and isinstance(digest, str) and digest not in _KNOWN_CASES \
            and len(payload) <= NOTE_CASES_CAP
        note = {"banned": list(spec["banned"]), "banned_aten": list(spec["banned_aten"]),
                "cases": digest if keep else None}
        wire.write_all(notes_w, wire.encode(note, payload if keep else b""))
    except (OSError, TypeError, ValueError, KeyError):
        pass
    finally:
        os.close(notes_w)


def _supervise_one(job_r: int, res_w: int, level: Isolation, notes_w: int, done_w: int) -> int:
    """In a process of its own (gone after this check): read one job from the grader,
    run it in a confined child, write the reply to the grader, tell the zygote (closing
    `done_w`) that the next check may begin, and leave it notes while this process ends."""
    confine.die_with_parent()
    try:
        job, raw = wire.read_frame(job_r, 1 << 40)
    except EOFError:
        os.write(done_w, GRADER_WENT)
        return SUPERVISOR_SAW_EOF
    spec, cases = read_job(job, raw, _KNOWN_CASES)
    build_spec(spec["banned"], spec["banned_aten"])  # cached in the zygote after the first check, inherited
    if level is Isolation.UID:
        confine.protect_paths(spec["hidden"])
        spec["check_uid"] = confine.check_uid(os.getpid())
    try:
        header, payload = _supervise(spec, cases, level)
    except Exception as exc:  # whatever the child sent that the watch did not foresee: a verdict, not a hang
        header, payload = _no_reply(f"the sandbox failed while watching the child ({type(exc).__name__})"), b""
    wire.write_all(res_w, wire.encode(header, payload))
    os.write(done_w, REPLIED)
    os.close(done_w)
    _leave_notes(notes_w, spec, job, raw)
    return 0


def _no_reply(message: str) -> dict:
    """The reply of a check whose supervisor could not describe it: no case came back."""
    return {"cases": [], "end": {"status": "sandbox-error", "message": message[:500]}}


class _Watch:
    """The zygote's view of one child: frames, output and deadlines."""

    def __init__(self, spec: dict, cases: list):
        limits = spec["limits"]
        n_cases = len(cases)
        self.wall = float(limits["wall_seconds"])
        self.output_cap = int(limits["output_bytes"])
        self.result_cap = int(limits["result_mb"]) * MiB
        self.n_cases = n_cases
        self.started = time.monotonic()
        self.budget = float(limits.get("budget_seconds", limits.get("check_seconds", 30.0)))
        self.check_seconds = float(limits.get("check_seconds", self.budget))
        self.budget_end = self.started + self.budget
        self.case_names = [str(c.get("name") or "") for c in cases]
        # forged "start" frames cannot buy more: n walls at most, and never past the check's budget
        self.last_call = min(self.started + self.wall * (n_cases + 1), self.budget_end)
        self.deadline = min(self.started + self.wall, self.last_call)
        self.reader = wire.FrameReader(self.result_cap)
        self.results: list[tuple[dict, bytes]] = []
        self.current: int | None = None
        self.case_started = self.started
        self.result_bytes = 0
        self.output = bytearray()
        self.output_dropped = 0
        self.problem: tuple[str, str] | None = None  # (status, message) that ended the child
        self.violations: list[dict] = []  # as the guard recorded them, whatever became of their case
        self.confined = False  # the child said its walls are up: learner code may run from now on

    def on_result_bytes(self, chunk: bytes) -> None:
        try:
            frames = self.reader.feed(chunk)
        except wire.ProtocolError as exc:
            self.problem = ("bad-output", f"the result was not well-formed ({exc})")
            return
        for header, payload in frames:
            event = header.get("event")
            now = time.monotonic()
            if event == "start":
                self.current = len(self.results)
                self.case_started = now
                self.deadline = min(now + self.wall, self.last_call)
            elif event == "violation":
                if len(self.violations) < VIOLATIONS_KEPT:
                    self.violations.append(capped_violation(header))
            elif event == "confined":
                self.confined = True
            elif event == "refused" and not self.confined:
                self.problem = ("sandbox-error", f"the child could not be confined: {str(header.get('message'))[:500]}")
                return
            elif event == "refused":  # only the trusted phase may say it, and it is over: learner code wrote this
                self.problem = ("bad-output", "the result was not well-formed (a frame only the sandbox may send)")
                return
            elif event == "result" and len(self.results) < self.n_cases:
                self.result_bytes += len(payload)
                if self.result_bytes > self.result_cap:
                    self.problem = ("bad-output", f"the results were larger than {self.result_cap // MiB} MiB")
                    return
                header["elapsed"] = now - self.case_started
                self.results.append((header, payload))
                self.current = None
            else:
                self.problem = ("bad-output", "the result was not well-formed")
                return

    def timeout_message(self, now: float) -> str:
        if now >= self.budget_end and self.budget_end <= self.case_started + self.wall:
            index = self.current if self.current is not None else len(self.results)
            name = self.case_names[index] if 0 <= index < len(self.case_names) else ""
            where = f" during case '{name}'" if name else ""
            return f"the check's total time budget ({self.check_seconds:g} s) was spent{where}"
        return f"no result within the {self.wall:g} s wall-clock limit"

    def on_output(self, chunk: bytes) -> None:
        keep = max(0, 1 * MiB - len(self.output))
        self.output += chunk[:keep]
        self.output_dropped += len(chunk) - min(keep, len(chunk))


def _supervise(spec: dict, cases: list, level: Isolation) -> tuple[dict, bytes]:
    """Fork one confined child for the check, watch it, and describe what happened.

    This runs in the check's supervisor (a process gone after the check). With
    namespaces the supervisor enters them itself, so the child it forks is the
    namespace's init: one fork a check, as at the other levels. The child dies with the
    supervisor (a parent-death signal the learner cannot unset: seccomp), and the
    supervisor with the zygote, so killing the zygote or the grader ends the check:
    nothing is left running."""
    out_r, out_w = os.pipe()
    res_r, res_w = wide_pipe()
    marker = secrets.token_hex(8)
    start = time.monotonic()
    if level is Isolation.NAMESPACES:
        try:
            confine.enter_namespaces()  # this process stays outside the pid namespace; its child is the init
        except BaseException as exc:  # no namespaces: run nothing
            message = f"the child could not be confined: {type(exc).__name__}: {exc}"
            return {"cases": [], "end": {"status": "sandbox-error", "message": message[:500]}}, b""
    first = os.fork()
    if first == 0:
        code = 70
        try:
            confine.die_with_parent()
            confine.close_other_fds({out_w, res_w})  # the supervisor's own pipes stay with it
            from .child import child_main

            if level is not Isolation.NAMESPACES:
                os.setpgid(0, 0)
            child_main(spec, cases, out_w, res_w, level, marker)
        except BaseException as exc:  # confinement failed: say so, run nothing
            try:
                wire.write_all(res_w, wire.encode({"event": "refused", "message": f"{type(exc).__name__}: {exc}"}))
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(res_w)
    pid = first
    watch = _Watch(spec, cases)
    status = _watch(pid, out_r, res_r, watch)
    _end_everything(pid, level, spec.get("check_uid"))
    os.close(out_r)
    os.close(res_r)
    return _describe(watch, status, spec, marker, time.monotonic() - start)


def _end_everything(pid: int, level: Isolation, uid: int | None) -> None:
    """Nothing outlives a check, whatever it did after sending its results: the child by
    its pid (in a pid namespace its init: the kernel ends the rest), its process group,
    and at the uid level every process of the check's own uid."""
    for kill in (os.kill, os.killpg):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if level is Isolation.UID and uid:
        confine.kill_uid(int(uid))


def _reap() -> None:
    """Collect finished children (the zygote is a subreaper: orphans come here too).
    A namespace's teardown takes the kernel tens of ms after its init exits; a check whose
    results are all in does not wait for it."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _watch(pid: int | None, out_r: int, res_r: int, watch: _Watch) -> int | None:
    open_fds = {out_r, res_r}
    killed = False
    while open_fds:
        now = time.monotonic()
        if watch.problem is None and now >= watch.deadline:
            watch.problem = ("timeout", watch.timeout_message(now))
        if watch.problem is not None and not killed:
            _kill(pid)
            killed = True
            break
        ready, _, _ = select.select(list(open_fds), [], [], max(0.0, min(watch.deadline - now, 0.5)))
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                open_fds.discard(fd)
            elif fd == out_r:
                watch.on_output(chunk)
            else:
                watch.on_result_bytes(chunk)
        if watch.problem is None and len(watch.results) == watch.n_cases:
            # Every case came back: the check is over. What the child printed is all in the
            # pipe already (it flushes before each result), and its exit is not waited for.
            if out_r in open_fds:
                _drain(out_r, watch)
            break
    if pid is None:
        return None
    if not killed and watch.problem is None and len(watch.results) == watch.n_cases:
        return None  # every case came back: reaped later, see _reap
    return _wait_within(pid, watch, killed)


def _wait_within(pid: int, watch: _Watch, killed: bool) -> int | None:
    """The child's wait status, waiting no longer than its deadline: a child that closed
    both pipes (or had them closed) and then sleeps is killed at its wall clock like one
    that kept them open, never waited for."""
    while not killed:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        now = time.monotonic()
        if now >= watch.deadline:
            if watch.problem is None:
                watch.problem = ("timeout", watch.timeout_message(now))
            _kill(pid)
            break
        time.sleep(min(0.005, watch.deadline - now))
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return status


def _drain(fd: int, watch: _Watch, most: int = 4 * MiB) -> None:
    """The output already waiting in `fd`, without waiting for more (and at most `most`
    bytes: a child that keeps writing after its last result is not followed)."""
    read = 0
    while read < most:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return
        read += len(chunk)
        watch.on_output(chunk)


def _kill(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGKILL)  # in a pid namespace its init: the kernel kills the rest
    except ProcessLookupError:
        pass


def _signal_name(number: int) -> str:
    """SIGSEGV for 11; the bare number for what names no signal (the child chose its exit
    status: os._exit(250) reads as "killed by" 122, which is no signal)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _split_output(watch: _Watch, marker: str) -> tuple[dict[int, str], dict[int, int], str, int]:
    """Output by case, from the markers the child wrote before each case (a learner can
    forge one, and so only misfile their own output)."""
    text = watch.output.decode("utf-8", errors="replace")
    pieces = re.split(f"\x1egrader-case-{marker}:(\\d{{1,6}})\n", text)  # an index, never a 5000-digit int
    by_case: dict[int, str] = {}
    dropped: dict[int, int] = {}
    head = pieces[0]
    for i in range(1, len(pieces) - 1, 2):
        index = int(pieces[i])
        by_case[index] = by_case.get(index, "") + pieces[i + 1]
    for index, body in list(by_case.items()):
        raw = body.encode()
        if len(raw) > watch.output_cap:
            dropped[index] = len(raw) - watch.output_cap
            by_case[index] = raw[:watch.output_cap].decode("utf-8", errors="replace")
    return by_case, dropped, head[:watch.output_cap], watch.output_dropped


VIOLATIONS_KEPT = 100  # of the violation frames, and of the violations all result headers carry together
MESSAGE_CAP, TRACEBACK_CAP = 4000, 8000  # as the grader keeps them (_outcome)
# What only the supervisor says of a case: a child's result claiming one of these is its own
# words in the grader's voice ("the sandbox failed"), read as unusable output.
SUPERVISOR_STATUSES = frozenset({Status.TIMEOUT, Status.CPU_LIMIT, Status.CRASHED, Status.SANDBOX_ERROR,
                                 Status.SKIPPED})


def _text(value, cap: int) -> str:
    return "" if value is None else str(value)[:cap]


def capped_violation(v: dict) -> dict:
    """A violation as the child wrote it, each field cut to what the grader keeps."""
    line = v.get("line")
    return {"api": _text(v.get("api"), 200), "file": _text(v.get("file"), 500),
            "line": line if type(line) is int and 0 <= line < 1 << 31 else 0,
            "how": _text(v.get("how"), 500), "kind": _text(v.get("kind", "banned"), 20)}


def capped_result(header: dict, violations_left: list[int]) -> dict:
    """A child's result header as the supervisor passes it on: every field the child chose
    cut to what the grader keeps (a reply of many cases stays under the grader's header
    cap, reply_header_cap), and a status only the child may give."""
    status = Status.parse(header.get("status"))
    message = _text(header.get("message"), MESSAGE_CAP)
    if status in SUPERVISOR_STATUSES:
        status, message = Status.BAD_OUTPUT, f"the result claimed the status '{status.value}', which only the grader gives"
    traceback = header.get("traceback")
    claimed = header.get("violations")
    violations = []
    for v in claimed if isinstance(claimed, list) else []:
        if violations_left[0] <= 0:
            break
        if isinstance(v, dict):
            violations.append(capped_violation(v))
            violations_left[0] -= 1
    return {"status": status.value, "message": message,
            "traceback": None if traceback is None else _text(traceback, TRACEBACK_CAP),
            "violations": violations, "elapsed": header.get("elapsed")}


def reply_header_cap(n_cases: int, output_bytes: int) -> int:
    """The largest reply header a supervisor writes for `n_cases` (capped_result, capped_violation,
    the output cap), JSON escapes included (six bytes a character at most)."""
    return wire.HEADER_CAP + n_cases * 6 * (MESSAGE_CAP + TRACEBACK_CAP + 2 * int(output_bytes) + 1024)


def _describe(watch: _Watch, status: int | None, spec: dict, marker: str, elapsed: float) -> tuple[dict, bytes]:
    by_case, dropped, head, lost = _split_output(watch, marker)
    cases, payloads = [], []
    violations_left = [VIOLATIONS_KEPT]
    for index, (header, payload) in enumerate(watch.results):
        meta = capped_result(header, violations_left)
        meta["output"] = printable((head if index == 0 else "") + by_case.get(index, ""))
        meta["output_truncated"] = dropped.get(index, 0) + (lost if index == len(watch.results) - 1 else 0)
        meta["payload"] = len(payload)
        cases.append(meta)
        payloads.append(payload)
    end = {"elapsed": time.monotonic() - watch.case_started, "output": printable(by_case.get(len(cases), head)),
           "output_truncated": lost, "violations": watch.violations}
    if status is not None:
        if os.WIFSIGNALED(status):
            end["signal"] = os.WTERMSIG(status)
        elif os.WEXITSTATUS(status) > 128 and _signal_name(os.WEXITSTATUS(status) - 128).startswith("SIG"):
            # the child's own "killed by" exit (CPU_LIMIT_EXIT); os._exit(250) is an exit status, no signal
            end["signal"] = os.WEXITSTATUS(status) - 128
        else:
            end["exit_code"] = os.WEXITSTATUS(status)
    limits = spec["limits"]
    sig = end.get("signal")
    if watch.problem is not None:
        end.update(status=watch.problem[0], message=watch.problem[1])
    elif status is None:
        end.update(status="sandbox-error", message="the child could not be started")
    elif sig in (signal.SIGXCPU, signal.SIGKILL) and end["elapsed"] < float(limits["wall_seconds"]):
        end.update(status="cpu-limit", message=f"used more than the {limits['cpu_seconds']} s CPU-time limit")
    elif sig is not None:
        end.update(status="crashed", message=f"the process was killed by signal {_signal_name(sig)}")
    else:
        end.update(status="exited", message=f"the process exited (status {end.get('exit_code')}) before returning a "
                   "result: sys.exit, os._exit or a crash in native code")
    return {"cases": cases, "end": end}, b"".join(payloads)
