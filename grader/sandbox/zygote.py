"""The zygote, always a fresh interpreter: `python -m grader.sandbox.zygote JOB_FD RESULT_FD [PRELOAD]`.

Started by grader/sandbox/parent.py with a scrubbed environment, an argv of two descriptor
numbers and the root directory as its working directory, so that nothing of the
grader's process (its argv with a hidden seed, its environment, references, a previous
learner's results) is in the memory every child is forked from."""

import os
import sys

from . import confine


def main() -> None:
    # Before torch's import (a second or more): a grader that leaves meanwhile (a usage
    # error, Ctrl-C; the zygote is in a session of its own, out of the terminal's reach)
    # takes its zygote with it at once.
    confine.die_with_parent()
    from .parent import _zygote_loop

    preload = tuple(n for n in sys.argv[3].split(",") if n) if len(sys.argv) > 3 else ()
    try:
        _zygote_loop(int(sys.argv[1]), int(sys.argv[2]), preload=preload)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        # The grader went before the zygote said hello (a check that needed no sandbox, a
        # prestarted zygote nobody adopted): leave quietly, not with a traceback on the
        # learner's terminal.
        os._exit(0)
    # The grader closed the job pipe: nothing is left to do or to flush. A normal exit
    # would finalise torch's interpreter state, which takes seconds (the grader's
    # Sandbox.close waits for this exit at the end of every cold check).
    flush_and_exit(0)


def flush_and_exit(code: int) -> None:
    """Leave without finalising the interpreter (torch's module teardown costs a second or
    more): the streams flushed if they can be, then `os._exit`. The grader's own exits
    (grader/entry.py, grader/server.py) end here too."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
