"""Finding problems and their hidden references.

A course is a directory holding `problems/<slug>/` (problem.toml, README.md, stub.py,
optionally probe.py) and `reference/<slug>.py`. The shipped course lives beside the
package (editable install) or inside it as `course_data` (wheel). An instructor's own
course is chosen with `--course DIR` or the GRADER_COURSE environment variable, and
its problems extend or replace the shipped ones slug by slug.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from .errors import CourseError
from ..policy.learner_imports import imports_for_its_caller
from ..policy.import_policy import ImportPolicy
from .spec import ProblemSpec, parse_policy, parse_spec  # noqa: F401 (parse_policy: for callers)

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # grader/, above this wing


def shipped_course_dir() -> Path:
    bundled = PACKAGE_DIR / "course_data"
    if (bundled / "problems").is_dir():
        return bundled
    return PACKAGE_DIR.parent


def course_dirs(extra: str | os.PathLike | None = None) -> list[Path]:
    """Course roots, later ones overriding earlier ones slug by slug."""
    dirs = [shipped_course_dir()]
    for value in (os.environ.get("GRADER_COURSE"), extra):
        if value:
            for part in str(value).split(os.pathsep):
                if part:
                    dirs.append(Path(part).expanduser().resolve())
    return dirs


@dataclass
class Problem:
    slug: str
    root: Path  # the course root this problem came from
    spec: ProblemSpec = field(repr=False)

    @property
    def policy(self) -> ImportPolicy:
        return self.spec.policy

    @property
    def dir(self) -> Path:
        return self.root / "problems" / self.slug

    @property
    def title(self) -> str:
        return self.spec.title or self.slug

    @property
    def order(self) -> float:
        return self.spec.order if self.spec.order is not None else 1000.0

    @property
    def entry(self) -> str:
        return self.spec.entry

    @property
    def module_name(self) -> str:
        """The importable file name of the learner's solution (mlm_tied_head)."""
        return self.slug.replace("-", "_")

    @property
    def statement_path(self) -> Path:
        return self.dir / "README.md"

    @property
    def stub_path(self) -> Path:
        return self.dir / "stub.py"

    @property
    def probe_path(self) -> Path | None:
        path = self.dir / "probe.py"
        return path if path.exists() else None

    @property
    def reference_path(self) -> Path:
        return self.root / "reference" / f"{self.module_name}.py"

    @property
    def has_reference(self) -> bool:
        return self.reference_path.exists()

    @property
    def fixtures_path(self) -> Path:
        return self.dir / "fixtures.pt"

    @property
    def hints(self) -> list[str]:
        return list(self.spec.hints)

    @property
    def mutable_inputs(self) -> list[str]:
        return list(self.spec.mutable_inputs)

    @property
    def limits(self) -> dict:
        return dict(self.spec.limits)

    def tolerance(self, dtype_name: str) -> tuple[float, float]:
        return self.spec.tolerance_for(dtype_name)

    @cached_property
    def reference(self) -> ModuleType:
        """The hidden reference, loaded by path under a private name (never importable by learners)."""
        if not self.has_reference:
            raise CourseError(f"{self.slug}: no reference at {self.reference_path}")
        # The prefix is how the sandbox knows a reference is loaded (grader/sandbox/parent.py).
        return load_module_from_path(f"_grader_reference_{self.module_name}", self.reference_path)


def load_module_from_path(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        sys.modules.pop(name, None)
        raise
    return module


_LOADING = threading.RLock()


def cached_module(key: str, path: Path) -> ModuleType:
    """`load_module_from_path` once per process: later calls get the same module. Under a
    lock: a module is in sys.modules while it is still executing, and a second thread
    (batch grading's workers) must not read it half-made."""
    with _LOADING:
        if key in sys.modules:
            return sys.modules[key]
        return load_module_from_path(key, path)


def read_spec(path: Path) -> ProblemSpec:
    """problem.toml, parsed and checked once (grader/course/spec.py)."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: invalid TOML: {exc}") from exc
    if "entry" not in raw:
        raise CourseError(f"{path}: missing `entry` (the function or class the learner writes)")
    return parse_spec(raw, path)


class Course:
    """All problems visible from the chosen course roots, in learning order."""

    def __init__(self, extra_dir: str | os.PathLike | None = None):
        self.roots = course_dirs(extra_dir)
        found: dict[str, Problem] = {}
        for root in self.roots:
            problems_dir = root / "problems"
            if not problems_dir.is_dir():
                continue
            for cfg in sorted(problems_dir.glob("*/problem.toml")):
                slug = cfg.parent.name
                found[slug] = Problem(slug, root, read_spec(cfg))
        self.problems = dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))

    def __iter__(self):
        return iter(self.problems.values())

    def __len__(self) -> int:
        return len(self.problems)

    def get(self, slug: str) -> Problem:
        slug = slug.replace("_", "-")
        if slug not in self.problems:
            known = ", ".join(self.problems)
            raise CourseError(f"unknown problem {slug!r}; known problems: {known}")
        return self.problems[slug]

    def _inherited(self, problem: Problem, key: str) -> list[str]:
        """`key`'s list from the problem and every problem it inherits bans from, parents first."""
        out: list[str] = []
        seen: set[str] = set()

        def add(p: Problem):
            if p.slug in seen:
                return
            seen.add(p.slug)
            for parent in p.spec.inherit_banned:
                add(self.get(parent))
            out.extend(v for v in getattr(p.spec, key) if v not in out)

        add(problem)
        return out

    def banned_names(self, problem: Problem) -> list[str]:
        """The problem's banned public names plus those of the problems it inherits from."""
        return self._inherited(problem, "banned")

    def banned_aten(self, problem: Problem) -> list[str]:
        return self._inherited(problem, "banned_aten")

    @property
    def reference_dirs(self) -> list[Path]:
        return [root / "reference" for root in self.roots]


@imports_for_its_caller
def sibling(anchor_file: str, name: str) -> ModuleType:
    """Load another reference module from the same directory (references build on each
    other: the transformer block reuses attention), under a private name."""
    path = Path(anchor_file).resolve().parent / f"{name}.py"
    try:
        return cached_module(f"_grader_reference_{name}@{path.parent}", path)
    except OSError:
        # Run as a learner's file in the sandbox (`grader validate`), a reference's folder
        # is not on disk: its sibling files are served there as the workspace's modules.
        return importlib.import_module(name)
