"""Author-facing path `grader.ablation`, kept so that courses' reference/ and problems/ files keep
working (docs/authoring.md). The code lives in grader/evidence/ablation.py; this module IS that module
(same object in sys.modules), so nothing is copied. Grader code imports `grader.evidence.ablation`
(import-linter forbids it this path)."""
import sys

from .evidence import ablation as _module

sys.modules[__name__] = _module
