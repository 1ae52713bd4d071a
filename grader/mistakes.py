"""Author-facing path `grader.mistakes`, kept so that courses' reference/ and problems/ files keep
working (docs/authoring.md). The code lives in grader/course/mistakes.py; this module IS that module
(same object in sys.modules), so nothing is copied. Grader code imports `grader.course.mistakes`
(import-linter forbids it this path)."""
import sys

from .course import mistakes as _module

sys.modules[__name__] = _module
