"""The learner's workspace: stub files with importable names, and progress that persists.

Layout: `<dir>/<module_name>.py` for each problem, and `<dir>/.grader/state.json`
holding, per problem, the stub's hash (to know whether the learner changed the file),
hints shown, attempts, and the last verdict.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from .loader import Course, Problem
from ..policy.safe_files import learner_sha256

STATE_DIR = ".grader"
VIOLATION_VERDICTS = {"banned": "banned API", "forbidden": "forbidden use"}  # a fail on use, not on values
STATE_FILE = "state.json"


def sha(path: Path) -> str:
    """A file's hash, read as a learner's file is (grader/policy/safe_files.py); '' when unsafe."""
    return learner_sha256(path, Path(path).parent) or ""


class WorkspaceError(Exception):
    pass


class Hint(NamedTuple):
    """One hint as shown: its number (from 1), its text, how many there are, and whether
    the learner asked for a next one past the last (so it is the last one again)."""

    number: int
    text: str
    total: int
    past_the_end: bool = False

    @property
    def is_last(self) -> bool:
        return self.number == self.total


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    # -- finding -------------------------------------------------------------------
    @classmethod
    def find(cls, start: Path | None = None) -> "Workspace | None":
        env = os.environ.get("GRADER_WORKSPACE")
        if env:
            return cls(Path(env))
        here = Path(start or Path.cwd()).resolve()
        for d in (here, *here.parents):
            if (d / STATE_DIR / STATE_FILE).exists():
                return cls(d)
        return None

    # -- state ----------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.root / STATE_DIR / STATE_FILE

    def load(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {"problems": {}}

    def save(self, state: dict) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
        tmp.replace(self.state_path)

    def entry(self, state: dict, slug: str) -> dict:
        return state.setdefault("problems", {}).setdefault(slug, {})

    # -- files ------------------------------------------------------------------------
    def file_for(self, problem: Problem) -> Path:
        return self.root / f"{problem.module_name}.py"

    def is_untouched(self, problem: Problem, state: dict | None = None) -> bool:
        path = self.file_for(problem)
        if not path.exists():
            return True
        state = state if state is not None else self.load()
        known = self.entry(state, problem.slug).get("stub_sha")
        return sha(path) in {known, sha(problem.stub_path)}

    def init(self, course: Course) -> list[tuple[str, str]]:
        """Copy every stub in; never overwrite a file the learner changed. Returns (file, action)."""
        self.root.mkdir(parents=True, exist_ok=True)
        state = self.load()
        actions = []
        for problem in course:
            target = self.file_for(problem)
            if target.exists() and not self.is_untouched(problem, state):
                actions.append((target.name, "kept (you changed it)"))
                continue
            existed = target.exists()
            shutil.copyfile(problem.stub_path, target)
            self.entry(state, problem.slug)["stub_sha"] = sha(problem.stub_path)
            actions.append((target.name, "updated" if existed else "created"))
        self.save(state)
        return actions

    def reset(self, problem: Problem) -> Path | None:
        """Put the stub back; keep the learner's file as a timestamped backup."""
        target = self.file_for(problem)
        backup = None
        if target.exists() and not self.is_untouched(problem):
            backup = self.root / STATE_DIR / "backups" / f"{problem.module_name}.{time.strftime('%Y%m%d-%H%M%S')}.py"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, backup)
        shutil.copyfile(problem.stub_path, target)
        state = self.load()
        e = self.entry(state, problem.slug)
        e["stub_sha"] = sha(problem.stub_path)
        self.forget_solved(e)
        self.save(state)
        return backup

    @staticmethod
    def forget_solved(e: dict) -> None:
        """The file is a stub again, so the problem is not solved; attempts and last verdict stay as history."""
        if e.pop("solved", None):
            e["reset_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")

    # -- progress ---------------------------------------------------------------------
    def record(self, report) -> None:
        state = self.load()
        e = self.entry(state, report.problem)
        e["attempts"] = e.get("attempts", 0) + 1
        violation = next(iter(getattr(report, "violations", []) or []), None)
        e["last_verdict"] = "passed" if report.passed else (report.error_kind or (
            VIOLATION_VERDICTS.get(violation.kind, "failed") if violation is not None else "failed"))
        e["last_violation"] = violation.api if violation is not None else None
        e["last_score"] = report.score
        e["last_checked"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        e["last_cases"] = f"{sum(c.passed for c in report.cases)}/{len(report.cases)}"
        e["last_diagnosis"] = (report.diagnosis or {}).get("name")
        stage = next((loc for loc in getattr(report, "localisation", []) if loc.get("kind") == "stage"), None)
        e["last_wrong_stage"] = stage.get("stage") if stage else None
        if report.passed:
            e["solved"] = True
        self.save(state)

    def next_hint(self, problem: Problem) -> Hint | None:
        """The hint after the last one shown; past the end, the last one again, marked so."""
        hints = problem.hints
        if not hints:
            return None
        shown = self.entry(self.load(), problem.slug).get("hints_shown", 0)
        if shown >= len(hints):
            return Hint(len(hints), hints[-1], len(hints), past_the_end=True)
        return self.hint(problem, shown + 1)

    def hint(self, problem: Problem, number: int) -> Hint:
        """Hint `number` (from 1); showing it counts every hint up to it as shown."""
        hints = problem.hints
        if not 1 <= number <= len(hints):
            raise WorkspaceError(f"{problem.slug} has {len(hints)} hint(s): ask for one from 1 to {len(hints)}"
                                 if hints else f"{problem.slug} has no hints")
        self._mark_hints_shown(problem, number)
        return Hint(number, hints[number - 1], len(hints))

    def all_hints(self, problem: Problem) -> list[Hint]:
        """Every hint of the problem, all counted as shown."""
        hints = problem.hints
        if hints:
            self._mark_hints_shown(problem, len(hints))
        return [Hint(i, text, len(hints)) for i, text in enumerate(hints, 1)]

    def _mark_hints_shown(self, problem: Problem, number: int) -> None:
        state = self.load()
        e = self.entry(state, problem.slug)
        e["hints_shown"] = max(e.get("hints_shown", 0), number)
        self.save(state)

    def status(self, problem: Problem, state: dict | None = None) -> dict:
        state = state if state is not None else self.load()
        e = dict(state.get("problems", {}).get(problem.slug, {}))
        if e.get("solved"):
            label = "solved"
        elif e.get("attempts"):
            label = "attempted"
        elif not self.is_untouched(problem, state):
            label = "started"
        else:
            label = "untouched"
        e["status"] = label
        return e
