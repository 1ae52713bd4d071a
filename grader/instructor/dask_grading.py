"""Grading a class on a Dask cluster: past one machine's cores.

The unit of work is one learner's file for one problem at the class seed (`Task`). The
client (`grader grade --scheduler ADDRESS`, or `--local-cluster N` for a trial) sends it
with the learner's folder's Python files (their helper modules import as in `grader
check`), so workers need no shared file system, only the grader and the course at the
same path. Each worker process grades with the same sandbox as the local pool: one
`Sandbox` per worker thread, started lazily as a fresh interpreter (a fork of a worker,
whose threads may hold locks, could hang) and kept for the worker's life; what a class
shares for a problem (grader/verdict/class_work.py) is computed once per worker process, never
in a zygote. The report comes back to the client, the gradebook's only writer.

A worker that dies mid-class loses nothing: the scheduler runs its tasks again on
another worker, and the client receives each task's result once (a future resolves
once), so no row is written twice.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .batch import Outcome, Submission

MAX_WORKSPACE_BYTES = 4 * 1024 * 1024  # a learner folder's Python files, sent with each task


@dataclass(frozen=True)
class Task:
    """One learner's file for one problem, graded at the class seed."""

    learner: str
    slug: str
    filename: str  # the graded file's name in the learner's folder
    files: tuple[tuple[str, bytes], ...]  # every .py file of the learner's folder
    seed: int
    course_dir: str | None  # the --course directory (None: the shipped course), same path on every worker
    localise: bool = False


def make_task(sub: Submission, seed: int, course_dir: str | None, localise: bool) -> Task:
    folder = sub.path.parent
    files, size = [], 0
    for path in sorted(folder.glob("*.py")):
        data = path.read_bytes()
        size += len(data)
        if size > MAX_WORKSPACE_BYTES:
            raise ValueError(f"{folder.name}'s Python files are larger than {MAX_WORKSPACE_BYTES // 2**20} MiB")
        files.append((path.name, data))
    return Task(sub.learner, sub.slug, sub.path.name, tuple(files), seed,
                str(Path(course_dir).resolve()) if course_dir else None, localise)


# --------------------------------------------------------------------------- worker side
class _WorkerState:
    """What one worker process keeps between tasks: its courses, each problem's class
    work at a seed, a scratch directory, and one sandbox per thread."""

    def __init__(self):
        import torch

        # One torch thread in this process, set once: what the grader computes itself is small, and checks
        # run by several task threads must not set and restore the count under each other (grader/instructor/batch.py).
        torch.set_num_threads(1)
        self.lock = threading.Lock()
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-dask-"))
        self.courses: dict = {}
        self.work: dict = {}
        self.local = threading.local()
        self.boxes: list = []

    def sandbox(self):
        from ..sandbox.parent import Sandbox

        box = getattr(self.local, "sandbox", None)
        if box is None:
            box = Sandbox(spawn=True, hidden=[self.scratch])  # no child sees another learner's files
            box.start()
            self.local.sandbox = box
            with self.lock:
                self.boxes.append(box)
        return box

    def course(self, course_dir: str | None):
        from ..course.loader import Course

        with self.lock:
            if course_dir not in self.courses:
                self.courses[course_dir] = Course(course_dir)
            return self.courses[course_dir]

    def class_work(self, course, course_dir: str | None, slug: str, seed: int):
        """Once per worker process and (course, problem, seed); under the lock, so two threads never build it at once."""
        from ..policy.banned import build_spec
        from ..verdict.class_work import prepare_class_work

        key = (course_dir, slug, seed)
        with self.lock:
            if key not in self.work:
                problem = course.get(slug)
                build_spec(course.banned_names(problem), course.banned_aten(problem))
                self.work[key] = prepare_class_work(problem, seed)
            return self.work[key]


    def close(self) -> None:
        """Every sandbox this process started, and the scratch directory."""
        for box in list(self.boxes):
            box.close()
        self.boxes.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)


_STATE: _WorkerState | None = None
_STATE_LOCK = threading.Lock()


def _state() -> _WorkerState:
    global _STATE
    with _STATE_LOCK:
        if _STATE is None:
            _STATE = _WorkerState()
        return _STATE


def grade_task(task: Task):
    """Run on a worker: the Report of one learner's file (a grader failure raises, and the client records it)."""
    from ..verdict.runner import check_problem

    state = _state()
    course = state.course(task.course_dir)
    work = state.class_work(course, task.course_dir, task.slug, task.seed)
    sandbox = state.sandbox()
    folder = Path(tempfile.mkdtemp(dir=state.scratch)) / task.learner
    folder.mkdir()
    try:
        for name, data in task.files:
            (folder / Path(name).name).write_bytes(data)
        return check_problem(course, course.get(task.slug), file=folder / task.filename, workspace=folder,
                             seed=task.seed, sandbox=sandbox, shared=work, localise=task.localise)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def close_worker_state() -> None:
    """Run on every worker before a cluster this client started closes: its zygotes end
    now, not when the nanny gives up waiting for the worker to exit."""
    global _STATE
    with _STATE_LOCK:
        if _STATE is not None:
            _STATE.close()
            _STATE = None


def worker_isolation() -> str | None:
    """Run on every worker: the isolation level its children get (None: none can run)."""
    level = _state().sandbox().level()
    return level.value if level is not None else None


# --------------------------------------------------------------------------- client side
class DaskPool:
    """The cluster behind a `distributed.Client`, with the SandboxPool's interface
    (`grade`, `isolation`, `__len__`, `kill`) so grade_class drives either."""

    def __init__(self, client, course_dir: str | None = None, cluster=None):
        self.client, self.course_dir, self.cluster = client, course_dir, cluster
        self._futures: list = []

    @classmethod
    def connect(cls, scheduler: str | None = None, local_workers: int | None = None,
                course_dir: str | None = None) -> "DaskPool":
        """To the scheduler at ADDRESS, or to a LocalCluster of `local_workers` processes (one thread each)."""
        from distributed import Client, LocalCluster

        if scheduler:
            return cls(Client(scheduler), course_dir)
        cluster = LocalCluster(n_workers=local_workers or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return cls(Client(cluster), course_dir, cluster)

    def __len__(self) -> int:
        return sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()) or 1

    def isolation(self):
        """The weakest isolation level among the workers (None: one cannot run learner code)."""
        from ..sandbox.confine import Isolation

        workers = list(self.client.scheduler_info()["workers"])
        # As tasks, not `client.run`: a task thread's sandbox is the one its grading reuses.
        futures = [self.client.submit(worker_isolation, workers=[w], allow_other_workers=False, pure=False)
                   for w in workers]
        levels = self.client.gather(futures)
        if not levels or any(level is None for level in levels):
            return None
        return min((Isolation(level) for level in levels), key=lambda level: level.rank)

    def grade(self, course, submissions: list[Submission], seed: int, localise: bool = False):
        """Yield an Outcome per submission as each finishes (a worker that dies: its tasks run elsewhere)."""
        from distributed import as_completed

        by_key, futures = {}, []
        for sub in submissions:
            try:
                task = make_task(sub, seed, self.course_dir, localise)
            except (OSError, ValueError) as exc:
                yield Outcome(sub, error=f"{type(exc).__name__}: {exc}")
                continue
            future = self.client.submit(grade_task, task, pure=False)
            by_key[future.key] = sub
            futures.append(future)
        self._futures = futures
        try:
            for future in as_completed(futures):
                sub = by_key[future.key]
                try:
                    report = future.result()
                except Exception as exc:  # the grader failed on it (or its workers kept dying)
                    yield Outcome(sub, error=f"{type(exc).__name__}: {exc}")
                    continue
                report.file = str(sub.path)  # where the instructor has it, not the worker's scratch copy
                yield Outcome(sub, report=report)
        finally:
            self.kill()

    def kill(self) -> None:
        """Cancel what has not finished (an interrupt): nothing more comes back."""
        if self._futures:
            self.client.cancel(self._futures)
            self._futures = []

    def close(self) -> None:
        if self.cluster is not None:  # ours: its workers go with it (a shared cluster's keep their sandboxes)
            try:
                self.client.run(close_worker_state)
            except Exception:
                pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> "DaskPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
