"""Starting the processes that run learner code (a zygote, or a spawned child under the
spawn start method), without importing torch here.

The zygote is a fresh interpreter that imports torch (a second or more). A command that
will check (`grader check`) starts it first thing, before this process imports torch
itself, so the two imports run side by side; the sandbox adopts it when it starts. The
zygote gets nothing of this process: a minimal environment, an argv of two descriptor
numbers, `/` as its working directory, no user site, no script directory on its path,
and a session of its own: no controlling terminal for learner code to reach, and (where
the kernel schedules sessions as groups, as Linux desktops do) a share of the CPU of its
own, so that on a busy machine its torch import still runs beside the grader's instead
of halving the grader's share (measured: a cold check 1.8x `import torch` without it,
1.0x with it, on 2 busy cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import confine
from .confine import Isolation
from .pipes import wide_pipe
from .start_method import StartMethod, chosen_start_method

GRADER_DIR = str(Path(__file__).resolve().parent.parent)  # all of grader/, not one wing


@dataclass
class Launched:
    proc: subprocess.Popen
    to_zygote: int
    from_zygote: int
    requested: Isolation | None
    preload: tuple[str, ...] = ()


_prestarted: Launched | None = None
_spare_zygotes: list[Launched] = []  # more prestarted zygotes, for a pool of sandboxes (`grader grade`)
_prestarted_child: subprocess.Popen | None = None


def zygote_environment(level: Isolation | None) -> dict[str, str]:
    """All a zygote is given of the grader's environment: locale, time zone and thread
    counts, the isolation level asked for, and where the grader package is. Nothing else
    (an instructor's tokens, GRADER_* settings, paths) ever enters the process tree
    that runs learner code."""
    env = {k: os.environ[k] for k in confine.KEPT_ENVIRONMENT if k in os.environ}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(Path(GRADER_DIR).parent),
               PATH=env.get("PATH", "/usr/bin:/bin"),
               # malloc's heap in transparent huge pages where the kernel offers them (glibc >= 2.35; ignored
               # elsewhere): forking a supervisor and a child for each check copies a page table entry per 2 MiB
               # of the zygote's heap, not per 4 KiB (a fifth of a check's CPU, measured in benchmarks/class_scale.py).
               GLIBC_TUNABLES="glibc.malloc.hugetlb=1")
    if level is not None:
        env["GRADER_ISOLATION"] = level.value
    elif os.environ.get("GRADER_ISOLATION"):
        env["GRADER_ISOLATION"] = os.environ["GRADER_ISOLATION"]  # checked (and refused if wrong) by the zygote
    return env


def spawn(requested: Isolation | None, preload: tuple[str, ...] = ()) -> Launched:
    job_r, job_w = wide_pipe()
    res_r, res_w = wide_pipe()
    argv = [sys.executable, "-s", *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "grader.sandbox.zygote",
            str(job_r), str(res_w), *([",".join(preload)] if preload else [])]
    try:
        proc = subprocess.Popen(argv, pass_fds=(job_r, res_w), stdin=subprocess.DEVNULL,
                                env=zygote_environment(requested), cwd="/", close_fds=True,
                                start_new_session=True)
    finally:
        os.close(job_r)
        os.close(res_w)
    return Launched(proc, job_w, res_r, requested, tuple(preload))


def prestart(count: int = 1) -> None:
    """Start now what the sandbox this command will open runs learner code in: under fork a
    zygote (at the level asked by GRADER_ISOLATION, if any), under spawn (macOS, Windows)
    the first spawned child. Harmless if none adopts it (it ends with this process).
    `count`: as many zygotes, for a pool of that many sandboxes (`grader grade`: their torch
    imports run beside this process's instead of after it)."""
    global _prestarted, _prestarted_child
    try:
        if chosen_start_method() is StartMethod.SPAWN:
            if _prestarted_child is None:
                _prestarted_child = launch_spawned_child()
            return
        if _prestarted is None:
            _prestarted = spawn(None)
        while 1 + len(_spare_zygotes) < count:
            _spare_zygotes.append(spawn(None))
    except (OSError, ValueError):
        pass


def adopt(requested: Isolation | None, preload: tuple[str, ...] = ()) -> Launched | None:
    """The prestarted zygote, if there is one for this level and preload (taken once)."""
    global _prestarted
    launched, _prestarted = _prestarted, None
    if launched is None and _spare_zygotes:
        launched = _spare_zygotes.pop(0)
    if launched is None:
        return None
    if launched.requested == requested and launched.preload == tuple(preload) and launched.proc.poll() is None:
        return launched
    for fd in (launched.to_zygote, launched.from_zygote):
        os.close(fd)
    launched.proc.kill()
    launched.proc.wait()
    return None


# ----------------------------------------------------------------------------- spawn start method
SPAWN_SWITCHES = ("GRADER_NO_SECCOMP", "GRADER_NO_RLIMIT")
PLATFORM_ENVIRONMENT = ("SYSTEMROOT", "SystemRoot", "TEMP", "TMP", "TMPDIR")  # Windows needs these to start


def spawned_child_environment() -> dict[str, str]:
    """What a spawned child starts with: the kept variables, the path to this grader,
    one thread. Nothing else of the grader's environment (tokens, paths) goes down."""
    env = {k: v for k, v in os.environ.items() if k in confine.KEPT_ENVIRONMENT + PLATFORM_ENVIRONMENT + SPAWN_SWITCHES}
    env["PYTHONPATH"] = str(Path(GRADER_DIR).parent)
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def launch_spawned_child() -> subprocess.Popen:
    """A fresh interpreter waiting for one check's job on its stdin (grader/sandbox/spawn_child.py)."""
    extra = {"start_new_session": True} if os.name == "posix" else \
        {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    return subprocess.Popen([sys.executable, "-P", "-m", "grader.sandbox.spawn_child"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=spawned_child_environment(),
                            cwd=tempfile.gettempdir(), close_fds=True, **extra)


def adopt_spawned_child() -> subprocess.Popen | None:
    """The prestarted spawned child, if it is still waiting (taken once)."""
    global _prestarted_child
    child, _prestarted_child = _prestarted_child, None
    if child is None or child.poll() is None:
        return child
    for stream in (child.stdin, child.stdout, child.stderr):
        try:
            stream.close()
        except OSError:
            pass
    return None
