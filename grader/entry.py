"""The `grader` executable: a check goes to the workspace's warm server first
(grader/learner/client.py), and only if that is not possible is the full command line
(click, rich, the course, torch) imported and run here."""

from __future__ import annotations

import sys


def main() -> None:
    from .learner.client import run_warm

    try:
        code = run_warm(sys.argv[1:])
    except KeyboardInterrupt:  # as click says it on the cold path
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    if code is not None:
        sys.stdout.flush()
        sys.exit(code)
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
