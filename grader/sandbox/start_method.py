"""How the sandbox starts the process that runs learner code: fork or spawn.

`fork` (Linux): a zygote with torch imported forks one confined child per check; fast,
and the only way to the namespace and uid levels. `spawn`: a fresh interpreter per
check, started ahead of need (grader/sandbox/spawn_sandbox.py), for machines where fork is
missing (Windows) or unsafe after torch has started its threads (macOS). Spawned
children run at the `none` level with the limits the platform has: resource limits
where `resource` exists (not Windows: there only the wall clock, enforced by killing
the process), the seccomp filter on Linux.

GRADER_START_METHOD=fork|spawn|auto chooses (auto: fork on Linux, spawn elsewhere).
GRADER_NO_SECCOMP=1 and GRADER_NO_RLIMIT=1 turn those limits off in spawned children,
so that tests on Linux take the paths a Mac or a Windows machine takes.
"""

from __future__ import annotations

import enum
import os
import sys


class StartMethod(str, enum.Enum):
    FORK = "fork"
    SPAWN = "spawn"


def fork_is_safe() -> bool:
    """Fork exists (not Windows) and is not fragile after importing torch (not macOS)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


def chosen_start_method() -> StartMethod:
    """GRADER_START_METHOD if set (fork where fork is missing falls back to spawn), else the platform's."""
    value = os.environ.get("GRADER_START_METHOD", "").strip().lower()
    if value == StartMethod.SPAWN.value:
        return StartMethod.SPAWN
    if value == StartMethod.FORK.value and hasattr(os, "fork"):
        return StartMethod.FORK
    return StartMethod.FORK if fork_is_safe() else StartMethod.SPAWN


def _switch(name: str) -> bool:
    return os.environ.get(name, "").strip() not in ("", "0")


def rlimits_available() -> bool:
    """Resource limits (CPU time, memory, file size, open files) can be set here."""
    if _switch("GRADER_NO_RLIMIT"):
        return False
    try:
        import resource  # noqa: F401  (POSIX only)
    except ImportError:
        return False
    return True


def seccomp_wanted() -> bool:
    """The system-call filter: Linux only."""
    return sys.platform.startswith("linux") and not _switch("GRADER_NO_SECCOMP")
