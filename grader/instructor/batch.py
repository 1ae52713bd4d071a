"""Grading a class: every learner's files, against hidden seeds, with a pool of sandboxes.

Layout: SUBMISSIONS_DIR/<learner>/<file>.py, one folder per learner, each problem's file
named by its slug or module name (`layer-norm.py` or `layer_norm.py`); the learner's
folder is the workspace (their own helper modules import as in `grader check`).

Speed without giving up isolation: N sandboxes (each a zygote that imported torch once
and forks a child per case) are started before any reference is loaded and driven by N
threads of this process. Each problem's cases, and their expected outputs when the
default judge compares outputs, are computed once per class in this process, not once
per submission. The checks are those of `grader check`: same static scan, run-time
guard, limits, judge and diagnosis.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..policy.banned import build_spec
from ..course.cases import Case
from ..course.loader import Course, Problem
from ..verdict.class_work import ClassWork, prepare_class_work
from ..verdict.torch_threads import one_torch_thread
from ..verdict.runner import check_problem
from ..policy.safe_files import learner_sha256
from ..sandbox.parent import Sandbox


@dataclass
class Submission:
    learner: str
    slug: str
    path: Path | None  # None: the learner has no file for this problem
    sha256: str | None = None


@dataclass
class Found:
    submissions: list[Submission] = field(default_factory=list)
    learners: list[str] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # ignored or ambiguous files
    unmatched: list[str] = field(default_factory=list)  # file names that are no problem of the course

    def nothing_to_grade(self) -> str | None:
        """Why this run would grade nothing (then it must not run), or None."""
        if not self.learners:
            return "no learner folders (expected SUBMISSIONS/<learner>/<slug>.py)"
        if not self.slugs:
            seen = ", ".join(sorted(set(self.unmatched))[:5]) or "none"
            return (f"no file is named after a problem of this course (files seen: {seen}); "
                    "to grade problems of your own course, pass --course DIR (or set GRADER_COURSE)")
        return None


def _sha(path: Path) -> str | None:
    """The submission's hash, read as any learner file is (a pipe or a link out of the
    folder never blocks or leaks: None, and the check says why)."""
    return learner_sha256(path, path.parent)


def learner_name(folder: str) -> str:
    """A learner's name from their folder's: bytes that are no UTF-8 (an archive made on
    another system) are written as escapes (`b\\xffb`), distinct for distinct folders,
    never as the lone surrogates Python decodes them to, which no gradebook, export or
    terminal can write."""
    return folder.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def find_submissions(root: str | Path, course: Course, slugs: list[str] | None = None) -> Found:
    """Every learner folder under `root` and its file per problem. Problems graded: `slugs`,
    else every problem at least one learner has a file for (others get "missing")."""
    root = Path(root).resolve()
    found = Found()
    files: dict[str, dict[str, Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        mine: dict[str, Path] = {}
        learner = learner_name(folder.name)
        if folder.is_symlink() or not folder.resolve().is_relative_to(root):
            # A link to another folder (an extracted archive can hold one): what it leads to is not
            # the learner's (the course's reference directory, another learner's folder). Graded as missing.
            found.notes.append(f"{learner}: a link to another folder; not graded")
            files[learner] = mine
            continue
        for path in sorted(folder.glob("*.py")):
            slug = path.stem.replace("_", "-")
            if slug not in course.problems:
                found.unmatched.append(path.name)
                continue  # a helper module of the learner's: it stays importable from the workspace
            problem = course.problems[slug]
            if slug in mine:  # both layer-norm.py and layer_norm.py: the importable name wins
                keep = path if path.stem == problem.module_name else mine[slug]
                found.notes.append(f"{learner}: both {mine[slug].name} and {path.name}; grading {keep.name}")
                mine[slug] = keep
            else:
                mine[slug] = path
        files[learner] = mine
    found.learners = list(files)
    wanted = [course.get(s).slug for s in slugs] if slugs else \
        [p.slug for p in course if any(p.slug in mine for mine in files.values())]
    found.slugs = wanted
    for learner, mine in files.items():
        for slug in wanted:
            path = mine.get(slug)
            found.submissions.append(Submission(learner, slug, path, _sha(path) if path else None))
    return found


def prepare_cases(problem: Problem, seed: int) -> list[Case]:
    """The problem's cases at `seed`, with expected outputs computed once for the class."""
    return list(prepare_class_work(problem, seed).cases)


class _PooledSandbox(Sandbox):
    """A sandbox that restarts (after a crash) one fork at a time, and never once the
    pool is stopping."""

    def __init__(self, stopping: threading.Event, fork_lock: threading.Lock, hidden=()):
        super().__init__(hidden=hidden)
        self._stopping, self._fork_lock = stopping, fork_lock

    def start(self) -> None:
        if self.pid is not None:
            return
        if self._stopping.is_set():
            raise RuntimeError("grading was interrupted")
        with self._fork_lock:
            super().start()


class SandboxPool:
    """N sandboxes, lent to 2N grading threads (SandboxLease). Start it before loading any reference."""

    def __init__(self, size: int, hidden=()):
        """`hidden`: what no child may see besides its own check's course and workspace
        (the class's submissions, the gradebook)."""
        self.stopping = threading.Event()
        lock = threading.Lock()
        self.sandboxes = [_PooledSandbox(self.stopping, lock, hidden) for _ in range(max(1, size))]
        self.free: queue.Queue = queue.Queue()

    def start(self) -> "SandboxPool":
        """Start every zygote (again, after `kill`)."""
        if self.stopping.is_set():
            self.close()
            self.stopping.clear()
        self.free = queue.Queue()
        for sandbox in self.sandboxes:
            sandbox.start()
            self.free.put(sandbox)
        return self

    def acquire(self) -> Sandbox:
        return self.free.get()

    def release(self, sandbox: Sandbox) -> None:
        self.free.put(sandbox)

    def kill(self) -> None:
        """Stop every zygote now (an interrupt): jobs in flight end at once, unrecorded."""
        self.stopping.set()
        for sandbox in self.sandboxes:
            if sandbox.pid is not None:
                try:
                    os.kill(sandbox.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def close(self) -> None:
        for sandbox in self.sandboxes:
            sandbox.close()

    def __enter__(self) -> "SandboxPool":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.sandboxes)

    def grade(self, course: Course, submissions: list, seed: int, localise: bool = False):
        """Outcomes as they finish (the interface grade_class drives; grader/instructor/dask_grading.py has the other)."""
        return grade_submissions(course, submissions, seed, self, localise=localise)

    def isolation(self):
        """The weakest isolation level among the pool's sandboxes (None: one cannot run)."""
        levels = [sandbox.level() for sandbox in self.sandboxes]
        if any(level is None for level in levels):
            return None
        return min(levels, key=lambda level: level.rank)


def choose_seed(explicit: int | None, recorded: int | None) -> int:
    """--seed, else the seed the gradebook already graded with, else a fresh hidden one (never 0)."""
    if explicit is not None:
        return explicit
    if recorded is not None:
        return recorded
    return secrets.randbelow(2**31 - 2) + 1


def prepare_class(course: Course, slugs, seed: int) -> dict[str, ClassWork | str]:
    """slug -> its ClassWork, or why it could not be built (a broken reference fails its
    problem, not the whole class)."""
    prepared: dict[str, ClassWork | str] = {}
    for slug in slugs:
        problem = course.get(slug)
        build_spec(course.banned_names(problem), course.banned_aten(problem))  # once, before any thread
        try:
            prepared[slug] = prepare_class_work(problem, seed)
        except Exception as exc:
            prepared[slug] = f"the cases of {slug} could not be built: {type(exc).__name__}: {exc}"
    return prepared


@dataclass
class Outcome:
    submission: Submission
    report: object | None = None  # grader.verdict.results.Report
    error: str | None = None  # the grader itself failed on this submission


def grade_submissions(course: Course, submissions: list[Submission], seed: int, pool: SandboxPool,
                      localise: bool = False):
    """Yield an Outcome per submission (with a file) as each finishes, in completion order.
    What every learner shares (grader/verdict/class_work.py) is computed here once per problem,
    before the worker threads start, and never in a zygote.

    torch runs on one thread in this process while the class is graded: what the grader
    computes itself (expected values, judging, the catalogue) is small, and each check's
    own "one thread, then back to the caller's setting" (grader/verdict/runner.py), run by
    two worker threads at once, could otherwise hand one of them the other's setting back
    in the middle of its check."""
    with one_torch_thread():
        yield from _grade_submissions(course, submissions, seed, pool, localise)


def _grade_submissions(course: Course, submissions: list[Submission], seed: int, pool: SandboxPool, localise: bool):
    prepared = prepare_class(course, dict.fromkeys(s.slug for s in submissions), seed)

    def one(sub: Submission) -> Outcome:
        work = prepared[sub.slug]
        if isinstance(work, str):
            return Outcome(sub, error=work)
        lease = SandboxLease(pool)
        try:
            report = check_problem(course, course.get(sub.slug), file=sub.path, workspace=sub.path.parent, seed=seed,
                                   sandbox=lease, shared=work, localise=localise)
            return Outcome(sub, report=report)
        except Exception as exc:
            return Outcome(sub, error=f"{type(exc).__name__}: {exc}")
        finally:
            lease.release()

    # Twice as many threads as sandboxes: while one thread scans its file or names its mistake (this
    # process's Python, no sandbox held), another's cases run in the sandbox it would leave idle.
    executor = ThreadPoolExecutor(max_workers=2 * len(pool), thread_name_prefix="grader-worker")
    futures = [executor.submit(one, sub) for sub in submissions]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        pool.kill()  # jobs in flight return at once (sandbox error) and are not recorded
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


class SandboxLease:
    """One check's sandbox from the pool, taken when the check first needs one (the runner's
    `sandbox.start()`, after the static scan) and given back when the check ends, and lent
    while the check names its mistake (`idle`): a scan, 17 ms of this process's Python per
    file, or a naming, 20-40 ms, never holds a sandbox that another check's cases could run
    in. The check's time budget starts after the sandbox is taken and is given back the
    naming's time, a wait for the sandbox included: no wait for one is counted against it."""

    def __init__(self, pool: SandboxPool):
        self._pool = pool
        self._held: Sandbox | None = None

    def start(self) -> None:
        if self._held is None:
            self._held = self._pool.acquire()
        self._held.start()

    def release(self) -> None:
        if self._held is not None:
            self._pool.release(self._held)
            self._held = None

    def close(self) -> None:
        """The pool's sandboxes outlive a check: nothing to close."""

    @contextlib.contextmanager
    def idle(self):
        """Lent back to the pool while the check does without one (the runner, while it names
        the mistake), taken again (perhaps another of the pool's) before it goes on."""
        self.release()
        try:
            yield
        finally:
            self.start()

    def __getattr__(self, name: str):
        if self._held is None:
            self.start()
        return getattr(self._held, name)


@dataclass
class Summary:
    seed: int
    graded: int = 0
    skipped: int = 0
    missing: int = 0
    errors: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    interrupted: bool = False


def grade_class(course: Course, found: Found, gradebook, pool: SandboxPool, *, seed: int, regrade: bool = False,
                localise: bool = False, on_total=None, on_result=None) -> Summary:
    """Grade what the gradebook does not hold yet (or everything with `regrade`), recording
    each result as it comes. `on_total(n)` and `on_result(outcome, verdict)` drive a progress bar."""
    from .gradebook import verdict_of

    started = time.monotonic()
    summary = Summary(seed=seed)
    gradebook.set_meta("seed", seed)
    done = gradebook.graded()
    todo = []
    for sub in found.submissions:
        key = (sub.learner, sub.slug)
        if not regrade and key in done and done[key] == sub.sha256:
            summary.skipped += 1
        elif sub.path is None:
            gradebook.record(sub.learner, sub.slug, None, seed=seed, verdict="missing",
                             error=f"no {sub.slug}.py or {sub.slug.replace('-', '_')}.py in the learner's folder")
            summary.missing += 1
        else:
            todo.append(sub)
    if on_total is not None:
        on_total(len(todo))
    try:
        for outcome in pool.grade(course, todo, seed, localise=localise):
            sub = outcome.submission
            if outcome.report is not None:
                verdict = verdict_of(outcome.report)
                gradebook.record(sub.learner, sub.slug, outcome.report, file=str(sub.path), sha256=sub.sha256)
            else:
                verdict = "grader-error"
                summary.errors += 1
                gradebook.record(sub.learner, sub.slug, None, file=str(sub.path), sha256=None, seed=seed,
                                 verdict=verdict, error=outcome.error)
            summary.graded += 1
            summary.verdicts[verdict] = summary.verdicts.get(verdict, 0) + 1
            if on_result is not None:
                on_result(outcome, verdict)
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.elapsed = time.monotonic() - started
    return summary

