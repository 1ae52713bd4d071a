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
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from .policy import DEFAULT_POLICY, ImportPolicy

PACKAGE_DIR = Path(__file__).resolve().parent


class CourseError(Exception):
    """A problem or course that cannot be loaded; the message says what to fix."""


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


POLICY_KEYS = ("allow_imports", "deny_imports")


def parse_policy(table, where: Path) -> ImportPolicy:
    """The problem's `[policy]` table as an ImportPolicy: the default allow-list, widened by
    `allow_imports` and narrowed by `deny_imports` (dotted module or API paths)."""
    if table is None:
        return DEFAULT_POLICY
    if not isinstance(table, dict):
        raise CourseError(f"{where}: `policy` must be a table: [policy] allow_imports = [...]")
    for key in table:
        if key not in POLICY_KEYS:
            raise CourseError(f"{where}: [policy] has unknown key `{key}` (known: {', '.join(POLICY_KEYS)})")
    lists = {key: table.get(key, []) for key in POLICY_KEYS}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(v, str) and _is_dotted_name(v) for v in value):
            raise CourseError(f"{where}: [policy] `{key}` must be a list of dotted module names "
                              f"like \"scipy.special\", got {value!r}")
    return DEFAULT_POLICY.widened(lists["allow_imports"], lists["deny_imports"])


def _is_dotted_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


@dataclass
class Problem:
    slug: str
    root: Path  # the course root this problem came from
    config: dict = field(repr=False)
    policy: ImportPolicy = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.policy = parse_policy(self.config.get("policy"), self.dir / "problem.toml")

    @property
    def dir(self) -> Path:
        return self.root / "problems" / self.slug

    @property
    def title(self) -> str:
        return self.config.get("title", self.slug)

    @property
    def order(self) -> float:
        return float(self.config.get("order", 1000))

    @property
    def entry(self) -> str:
        return self.config["entry"]

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
        return list(self.config.get("hints", []))

    @property
    def mutable_inputs(self) -> list[str]:
        return list(self.config.get("mutable_inputs", []))

    @property
    def limits(self) -> dict:
        return dict(self.config.get("limits", {}))

    def tolerance(self, dtype_name: str) -> tuple[float, float]:
        tol = self.config.get("tolerance", {})
        default = {"float32": (1e-5, 1e-4), "float64": (1e-10, 1e-8)}.get(dtype_name, (1e-5, 1e-4))
        entry = tol.get(dtype_name)
        if entry is None:
            return default
        return float(entry.get("atol", default[0])), float(entry.get("rtol", default[1]))

    @cached_property
    def reference(self) -> ModuleType:
        """The hidden reference, loaded by path under a private name (never importable by learners)."""
        if not self.has_reference:
            raise CourseError(f"{self.slug}: no reference at {self.reference_path}")
        # The prefix is how the sandbox knows a reference is loaded (grader/sandbox.py).
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


def cached_module(key: str, path: Path) -> ModuleType:
    """`load_module_from_path` once per process: later calls get the same module."""
    if key in sys.modules:
        return sys.modules[key]
    return load_module_from_path(key, path)


def _read_config(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path}: invalid TOML: {exc}") from exc
    if "entry" not in config:
        raise CourseError(f"{path}: missing `entry` (the function or class the learner writes)")
    return config


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
                found[slug] = Problem(slug, root, _read_config(cfg))
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
            for parent in p.config.get("inherit_banned", []):
                add(self.get(parent))
            out.extend(v for v in p.config.get(key, []) if v not in out)

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
