"""Shared fixtures: one sandbox zygote for the whole session, started before any
reference is loaded, and a `grade` helper that checks source text in-process."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest

from grader.course.loader import Course
from grader.verdict.runner import check_problem
from grader.sandbox.parent import Sandbox
from grader.instructor.validate import AUTHOR_API

_SANDBOX: Sandbox | None = None

# Every `grader` a test runs checks cold, in its own process, unless the test is about the
# warm server (tests/test_daemon.py clears this): no server outlives the suite.
os.environ.setdefault("GRADER_NO_DAEMON", "1")


def pytest_configure(config):
    global _SANDBOX
    # A secret in the grader's environment before its sandbox starts: no child may see it
    # (tests/test_attacks.py and tests/test_child_memory.py look for it).
    os.environ.setdefault("GRADER_TEST_CANARY", f"canary-{uuid.uuid4().hex}")
    _SANDBOX = Sandbox(preload=AUTHOR_API)  # tests/test_validate.py runs references as learners' files
    _SANDBOX.start()


def pytest_unconfigure(config):
    if _SANDBOX is not None:
        _SANDBOX.close()


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    return _SANDBOX


@pytest.fixture(scope="session")
def course() -> Course:
    return Course()


@pytest.fixture
def grade(tmp_path, course, sandbox):
    """grade(slug, source, seed=0, extra_files={}) -> Report, the file named as in a workspace."""

    def run(slug: str, source: str, seed: int = 0, extra_files: dict | None = None, **kwargs):
        problem = course.get(slug)
        for name, text in (extra_files or {}).items():
            (tmp_path / name).write_text(textwrap.dedent(text))
        path = tmp_path / f"{problem.module_name}.py"
        path.write_text(textwrap.dedent(source))
        return check_problem(course, problem, file=path, workspace=tmp_path, seed=seed, sandbox=sandbox, **kwargs)

    return run


def failing_messages(report) -> str:
    return "\n".join(f"{c.name}: {c.message}" for c in report.cases if not c.passed) + (report.error or "")


REPO = Path(__file__).resolve().parent.parent
