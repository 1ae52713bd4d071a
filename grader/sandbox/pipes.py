"""Pipes that hold a whole reply: a check's job, a child's results and the reply to the
grader are often hundreds of KiB (a probe sends the inputs back, weights included); through
Linux's default 64 KiB pipe each one is a dozen rounds of a blocked writer waking a reader
(the grader's reader a thread that waits for the GIL besides), where one megabyte takes one."""

from __future__ import annotations

import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

PIPE_BYTES = 1 << 20  # Linux's default pipe-max-size for unprivileged processes
_SET_SIZE = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only (None on macOS, and without fcntl)


def wide_pipe() -> tuple[int, int]:
    """os.pipe(), its buffer a megabyte where the kernel allows (elsewhere as it comes)."""
    r, w = os.pipe()
    if _SET_SIZE is not None:
        try:
            fcntl.fcntl(w, _SET_SIZE, PIPE_BYTES)
        except OSError:
            pass  # over the user's pipe quota, or a smaller pipe-max-size: the default pipe works
    return r, w
