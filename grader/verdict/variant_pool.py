"""Running trusted per-variant work on forked workers, with a deadline no single torch call
can outlast.

A variant runs under an alarm in its worker, but an alarm only interrupts Python between
two bytecodes: a variant that builds one enormous tensor (a sampler's `rand` with its two
sizes swapped makes a 20000 x 20000 batch) sits in one C call for tens of seconds, long
after its limit. Here the parent watches: each worker notes when it begins a task (on the
system's monotonic clock), and a task still running `limit + GRACE` seconds after it began
is overdue: the pool is stopped, the overdue tasks count as too slow (as their alarm would
have made them, could it fire), and the tasks not done run again in a fresh pool. The same
tasks give the same results as in one process; only the wait is cut.

Workers are forked (they inherit the caller's prepared state, nothing is pickled but
indices and results), each with one torch thread; a process with other threads running
never forks (a lock held by another thread would stay held in the child).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from typing import Callable

import torch

GRACE = 2.0  # seconds beyond a task's own limit (its alarm's) before the parent stops waiting for it
POLL = 0.5  # how often the parent looks for an overdue task while no result comes

_TASK: Callable[[int], object] | None = None  # what forked workers run (set before the pool starts)
_STARTED = None  # shared flags: a worker has begun task i


def can_fork(workers: int) -> bool:
    """More than one worker asked for, and forking is safe here (no other thread running)."""
    return workers > 1 and threading.active_count() == 1 and hasattr(os, "fork")


def default_workers() -> int:
    return min(2, os.cpu_count() or 1)


def _init() -> None:
    torch.set_num_threads(1)


def _run(index: int):
    _STARTED[index] = time.monotonic()  # the system's monotonic clock: the parent reads the same one
    return index, _TASK(index)


def run_all(task: Callable[[int], object], indices: list[int], workers: int, limit: float) -> dict[int, object]:
    """{index: task(index)} for every index, over `workers` forked processes; an index whose
    task was still running `limit + GRACE` seconds after it began is missing."""
    global _TASK, _STARTED
    ctx = multiprocessing.get_context("fork")
    results: dict[int, object] = {}
    todo = list(indices)
    while todo:
        started = ctx.Array("d", max(todo) + 1, lock=False)  # 0.0: not begun
        _TASK, _STARTED = task, started
        pool = ctx.Pool(min(workers, len(todo)), initializer=_init)
        overdue: list[int] = []
        try:
            pending = pool.imap_unordered(_run, todo, chunksize=1)
            waiting = len(todo)
            while waiting and not overdue:
                try:
                    index, value = pending.next(timeout=POLL)
                except multiprocessing.TimeoutError:
                    now = time.monotonic()
                    overdue = [i for i in todo if i not in results and started[i] and now - started[i] > limit + GRACE]
                    continue
                results[index] = value
                waiting -= 1
        finally:
            pool.terminate()
            pool.join()
            _TASK = _STARTED = None
        # The overdue tasks count as too slow (missing); the others not done run again in a fresh pool.
        todo = [i for i in todo if i not in results and i not in overdue]
    return results
