"""The zygote, always a fresh interpreter: `python -m grader.sandbox.zygote JOB_FD RESULT_FD [PRELOAD]`.

Started by grader/sandbox/parent.py with a scrubbed environment, an argv of two descriptor
numbers and the root directory as its working directory, so that nothing of the
grader's process (its argv with a hidden seed, its environment, references, a previous
learner's results) is in the memory every child is forked from."""

import sys

from .parent import _zygote_loop


def main() -> None:
    preload = tuple(n for n in sys.argv[3].split(",") if n) if len(sys.argv) > 3 else ()
    _zygote_loop(int(sys.argv[1]), int(sys.argv[2]), preload=preload)


if __name__ == "__main__":
    main()
