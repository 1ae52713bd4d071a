"""A problem's whole validation, remembered on disk and keyed by the content of everything it
depends on, so that validating an unchanged problem again takes a second, not minutes.

The key hashes: every file of the problem's folder; every Python file of its reference's
folder (references load their siblings from there); the problem.toml of every problem it
inherits banned names from; the course roots and reference folders (the sandbox blocks
them); every Python file of the grader package (the checks themselves); the torch and
Python versions; the GRADER_* environment (but where caches live); and the seeds. Change
any of them and the problem is validated afresh.
Nothing is read from a cache entry but plain JSON: findings, the variants' figures, the
trivial answers' scores.

A validation in which a check crashed is never stored (the crash may be the machine's,
not the problem's). The timing warnings of the own check are stored as measured.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from ..course.loader import PACKAGE_DIR, Course, Problem
from .validation import Validation

FORMAT = 1  # bump when the stored form changes
# GRADER_* variables that change where things are kept or how the CLI starts, not what a check finds
# (every other GRADER_* variable, e.g. one choosing the sandbox's isolation, is part of the key).
UNKEYED_ENVIRONMENT = {"GRADER_CACHE_DIR", "GRADER_NO_DAEMON", "GRADER_TEST_CANARY"}


def cache_dir() -> Path:
    """$GRADER_CACHE_DIR/validate, else $XDG_CACHE_HOME/grader/validate (default ~/.cache)."""
    env = os.environ.get("GRADER_CACHE_DIR")
    if env:
        return Path(env) / "validate"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader" / "validate"


def _files(folder: Path, pattern: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
                  and not p.name.endswith((".pyc", ".pyo")))


@functools.lru_cache(maxsize=1)
def grader_code_hash() -> str:
    """Every Python file of the grader package (any change to a check invalidates every entry)."""
    h = hashlib.sha256()
    for path in _files(PACKAGE_DIR, "*.py"):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _torch_version() -> str:
    try:
        from importlib.metadata import version

        return version("torch")
    except Exception:  # pragma: no cover - an unusual install: fall back to importing it
        import torch

        return torch.__version__


def validation_key(course: Course, problem: Problem, seeds: tuple[int, ...]) -> str:
    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    add("format", str(FORMAT).encode())
    add("grader", grader_code_hash().encode())
    add("torch", _torch_version().encode())
    add("python", sys.version.encode())
    add("seeds", repr(tuple(seeds)).encode())
    add("environment", repr(sorted((k, v) for k, v in os.environ.items()
                                   if k.startswith("GRADER_") and k not in UNKEYED_ENVIRONMENT)).encode())
    add("slug", f"{problem.slug}@{problem.root}".encode())
    add("roots", repr([str(d) for d in course.reference_dirs]).encode())
    for path in _files(problem.dir, "*"):
        add(f"problem:{path.relative_to(problem.dir)}", path.read_bytes())
    ref_dir = problem.reference_path.parent
    for path in _files(ref_dir, "*.py"):
        add(f"reference:{path.relative_to(ref_dir)}", path.read_bytes())
    for slug in _inherited(course, problem):
        toml = course.get(slug).dir / "problem.toml"
        add(f"inherits:{slug}", toml.read_bytes() if toml.exists() else b"")
    return h.hexdigest()[:32]


def _inherited(course: Course, problem: Problem) -> list[str]:
    out, pending = [], list(problem.spec.inherit_banned)
    while pending:
        slug = pending.pop(0)
        if slug in out or slug not in course.problems:
            continue
        out.append(slug)
        pending += list(course.get(slug).spec.inherit_banned)
    return out


def _path(problem: Problem, key: str) -> Path:
    return cache_dir() / problem.slug / f"{key}.json"


def load(key: str, problem: Problem) -> dict | None:
    """The validation stored under `key` (validation_key), or None."""
    try:
        data = json.loads(_path(problem, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def store(key: str, problem: Problem, validation: dict) -> None:
    path = _path(problem, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, **validation}, f)
        os.replace(tmp, path)  # atomic: a concurrent run never reads half a file
    except OSError:
        pass  # a read-only cache only costs time


def cached_validation(course: Course, problem: Problem, seeds: tuple[int, ...],
                      key: str | None = None) -> Validation | None:
    """The stored validation of this exact problem, grader and environment as a Validation
    marked `cached`, or None."""
    import time

    started = time.monotonic()
    stored = load(key or validation_key(course, problem, seeds), problem)
    if stored is None:
        return None
    stored.pop("format", None)
    v = Validation.from_dict(stored)
    v.cached, v.elapsed = True, time.monotonic() - started
    return v
