"""A zygote in a fresh interpreter: `python -m grader.zygote JOB_FD RESULT_FD`.

Used where forking the current process would be wrong (a notebook kernel that has
run multi-threaded torch code and will hold references): see grader/notebook.py."""

import sys

from .sandbox import _zygote_loop


def main() -> None:
    _zygote_loop(int(sys.argv[1]), int(sys.argv[2]))


if __name__ == "__main__":
    main()
