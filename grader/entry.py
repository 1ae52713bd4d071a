"""The `grader` executable: a check goes to the workspace's warm server first
(grader/learner/client.py), and only if that is not possible is the full command line
(click, rich, the course, torch) imported and run here.

A check run here (cold) starts its sandbox's zygote first thing, before this process
imports anything heavy, so that the zygote's torch import runs beside this one's; and it
ends without finalising the interpreter (torch's module teardown costs a second or more
and changes nothing a learner sees): streams flushed, exit handlers run, `os._exit`.
"""

from __future__ import annotations

import atexit
import sys


def main() -> None:
    from .learner.client import run_warm, served_command

    argv = sys.argv[1:]
    try:
        code = run_warm(argv)
    except KeyboardInterrupt:  # as click says it on the cold path
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    if code is not None:
        sys.stdout.flush()
        sys.exit(code)
    checks = served_command(argv)[0] is not None
    if checks:
        from .sandbox.zygote_launch import prestart

        prestart()  # the zygote imports torch while this process imports the command line and torch
    from .cli import main as cli_main

    if not checks:
        cli_main()
        return
    try:
        cli_main()
    except SystemExit as exc:
        leave_now(exit_status(exc))
    leave_now(0)


def exit_status(exc: SystemExit) -> int:
    """What the interpreter would exit with for this SystemExit (a message goes to stderr)."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def leave_now(code: int) -> None:
    """Exit as a normal exit would, minus the interpreter's finalisation: flush the
    streams and run the exit handlers (temporary directories, logging), then `os._exit`.
    A stream that cannot be flushed (a closed pipe) falls back to the normal exit, which
    reports it as Python always does."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    from .sandbox.zygote import flush_and_exit

    flush_and_exit(code)


if __name__ == "__main__":
    main()
