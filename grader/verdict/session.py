"""A grading session: the sandbox first, then the course, in the only safe order.

The zygote must be forked before any hidden reference is loaded in this process (a
forked child could find it in memory). A session starts its sandbox, then loads the
course, and closes the sandbox when it ends, so a command cannot get the order wrong.
(The sandbox enforces the rule as a last resort too: once a reference has loaded, it
spawns a fresh interpreter instead of forking.)
"""

from __future__ import annotations

import os

from ..course.cases import PUBLIC_SEED
from ..course.loader import Course, Problem
from .execute import Submission
from .results import Report
from .runner import CheckOptions, check_submission
from ..sandbox.parent import Sandbox


class GradingSession:
    def __init__(self, course_dir: str | os.PathLike | None = None, *, sandbox: Sandbox | None = None,
                 hidden=()):
        self._course_dir = course_dir
        self._own_sandbox = sandbox is None
        self.sandbox = sandbox or Sandbox(hidden=hidden)
        self.course: Course | None = None

    def __enter__(self) -> "GradingSession":
        if self.course is not None:  # entered already (cli_support.open_session enters it to catch a bad course)
            return self
        self.sandbox.start()
        try:
            self.course = Course(self._course_dir)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._own_sandbox:
            self.sandbox.close()

    def check(self, problem: Problem, submission: Submission, *, seed: int = PUBLIC_SEED,
              options: CheckOptions = CheckOptions()) -> Report:
        return check_submission(self.course, problem, submission, seed=seed, sandbox=self.sandbox, options=options)
