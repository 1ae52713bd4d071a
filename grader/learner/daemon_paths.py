"""Where a workspace's warm check server lives and what it was started from.

Light on purpose (os, sys, hashlib only): the `grader check` client computes all of
this before deciding whether to import anything heavy. A server is keyed by what
changes its persistent state (the user, the interpreter, the workspace, the course
option, the GRADER_* switches) and carries a fingerprint of what it has loaded (the
grader's files, the course's files, torch, Python): a request whose fingerprint
differs makes the server stop, and the client starts a fresh one.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import NamedTuple

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # all of grader/, not one wing
STATE_DIR, STATE_FILE = ".grader", "state.json"  # as grader/course/workspace.py (not imported: it loads the course)
# GRADER_* variables that do not change what a server holds (they are per request or about the daemon).
PER_REQUEST_SWITCHES = ("GRADER_NO_DAEMON", "GRADER_DAEMON_IDLE", "GRADER_DAEMON_DIR", "GRADER_WORKSPACE")


class UnsafeDirectory(Exception):
    """The socket directory is not this user's own 0700 directory: no daemon."""


class Target(NamedTuple):
    """One warm server: its socket, the lock it holds while alive, its log, and its key."""

    directory: Path
    key: str

    @property
    def socket(self) -> Path:
        return self.directory / f"{self.key}.sock"

    @property
    def lock(self) -> Path:
        return self.directory / f"{self.key}.lock"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.key}.log"


def idle_seconds() -> float:
    """How long a server waits for a request before it exits (GRADER_DAEMON_IDLE, default 10 min)."""
    try:
        return max(0.5, float(os.environ.get("GRADER_DAEMON_IDLE", "600")))
    except ValueError:
        return 600.0


def socket_directory() -> Path:
    """This user's private directory for sockets: $GRADER_DAEMON_DIR, else
    $XDG_RUNTIME_DIR/grader, else <tmp>/grader-<uid>; created 0700, refused if it is a
    link, someone else's, or open to others."""
    given = os.environ.get("GRADER_DAEMON_DIR")
    if given:
        directory = Path(given)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        directory = Path(os.environ["XDG_RUNTIME_DIR"]) / "grader"
    else:
        import tempfile

        directory = Path(tempfile.gettempdir()) / f"grader-{os.getuid()}"
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(directory)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise UnsafeDirectory(f"{directory} is not a private directory of this user")
    return directory


def resolved_course(value: str | None) -> str | None:
    """A --course value (one or more directories) as absolute paths, as grader/course/loader.py
    resolves it: the same course from any working directory has the same name."""
    if not value:
        return None
    return os.pathsep.join(str(Path(part).expanduser().resolve()) for part in str(value).split(os.pathsep) if part)


def find_workspace(start: Path) -> Path | None:
    """The workspace root as grader/course/workspace.py's Workspace.find finds it."""
    env = os.environ.get("GRADER_WORKSPACE")
    if env:
        return Path(env).resolve()
    here = start.resolve()
    for d in (here, *here.parents):
        if (d / STATE_DIR / STATE_FILE).exists():
            return d
    return None


def interpreter() -> str:
    """This Python, whatever name started it: `python` and `python3.11` (one a link to the
    other, as a console script's shebang may name it) are one interpreter; two venvs over
    one base Python are not (their prefixes differ)."""
    return f"{os.path.realpath(sys.executable)}:{sys.prefix}"


def server_key(cwd: Path, course_option: str | None) -> str:
    """One server per (user, Python, workspace or directory, course option, GRADER_* switches)."""
    workspace = find_workspace(cwd) or cwd.resolve()
    switches = sorted((k, v) for k, v in os.environ.items()
                      if k.startswith("GRADER_") and k not in PER_REQUEST_SWITCHES)
    text = repr((os.getuid(), interpreter(), str(workspace), resolved_course(course_option), switches))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def target(cwd: Path, course_option: str | None) -> Target:
    return Target(socket_directory(), server_key(cwd, course_option))


# ----------------------------------------------------------------------------- fingerprint
def _tree_stamp(root: Path, digest) -> None:
    """Names, sizes and modification times of every file under root (no __pycache__)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


def course_roots(course_option: str | None) -> list[Path]:
    """As grader/course/loader.py's course_dirs: the shipped course, then GRADER_COURSE and --course."""
    bundled = PACKAGE_DIR / "course_data"
    roots = [bundled if (bundled / "problems").is_dir() else PACKAGE_DIR.parent]
    for value in (os.environ.get("GRADER_COURSE"), course_option):
        if value:
            roots += [Path(part).expanduser().resolve() for part in str(value).split(os.pathsep) if part]
    return roots


def _torch_stamp() -> str:
    """torch's location and its version file's stamp, found without importing torch."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return "no torch"
    parts = [spec.origin]
    for name in ("__init__.py", "version.py"):
        try:
            info = os.stat(Path(spec.origin).parent / name)
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:missing")
    return "|".join(parts)


def fingerprint(course_option: str | None) -> str:
    """What a server loaded, as a digest: the grader package's files, the course's
    problems and references, torch, the interpreter."""
    digest = hashlib.sha256()
    digest.update(f"{interpreter()}\0{sys.version}\0{_torch_stamp()}\n".encode())
    _tree_stamp(PACKAGE_DIR, digest)
    for root in course_roots(course_option):
        digest.update(f"course {root}\n".encode())
        for sub in ("problems", "reference"):
            if (root / sub).is_dir():
                _tree_stamp(root / sub, digest)
    return digest.hexdigest()
