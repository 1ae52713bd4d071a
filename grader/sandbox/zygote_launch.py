"""Starting a zygote process, without importing torch here.

The zygote is a fresh interpreter that imports torch (a second or more). A command that
will check (`grader check`) starts it first thing, before this process imports torch
itself, so the two imports run side by side; the sandbox adopts it when it starts. The
zygote gets nothing of this process: a minimal environment, an argv of two descriptor
numbers, `/` as its working directory, no user site, no script directory on its path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import confine
from .confine import Isolation

GRADER_DIR = str(Path(__file__).resolve().parent.parent)  # all of grader/, not one wing


@dataclass
class Launched:
    proc: subprocess.Popen
    to_zygote: int
    from_zygote: int
    requested: Isolation | None
    preload: tuple[str, ...] = ()


_prestarted: Launched | None = None


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
    job_r, job_w = os.pipe()
    res_r, res_w = os.pipe()
    argv = [sys.executable, "-s", *(["-P"] if sys.version_info >= (3, 11) else []), "-m", "grader.sandbox.zygote",
            str(job_r), str(res_w), *([",".join(preload)] if preload else [])]
    try:
        proc = subprocess.Popen(argv, pass_fds=(job_r, res_w), stdin=subprocess.DEVNULL,
                                env=zygote_environment(requested), cwd="/", close_fds=True)
    finally:
        os.close(job_r)
        os.close(res_w)
    return Launched(proc, job_w, res_r, requested, tuple(preload))


def prestart() -> None:
    """Start a zygote now for the sandbox this command will open (at the level asked by
    GRADER_ISOLATION, if any); harmless if none adopts it (it ends with this process)."""
    global _prestarted
    if _prestarted is None:
        try:
            _prestarted = spawn(None)
        except OSError:
            _prestarted = None


def adopt(requested: Isolation | None, preload: tuple[str, ...] = ()) -> Launched | None:
    """The prestarted zygote, if there is one for this level and preload (taken once)."""
    global _prestarted
    launched, _prestarted = _prestarted, None
    if launched is None:
        return None
    if launched.requested == requested and launched.preload == tuple(preload) and launched.proc.poll() is None:
        return launched
    for fd in (launched.to_zygote, launched.from_zygote):
        os.close(fd)
    launched.proc.kill()
    launched.proc.wait()
    return None
