"""Known mistakes: named variants of a reference that reproduce a realistic error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Mistake:
    name: str  # short, in the learner's words: "unbiased variance"
    fn: Callable  # same signature as the entry point; returns what the mistaken code returns
    explanation: str  # what the code did and why it is wrong
    hint: str = ""  # how to fix it, without giving the answer away

    def to_dict(self) -> dict:
        return {"name": self.name, "explanation": self.explanation, "hint": self.hint}


# `grader.mistakes`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/mistakes.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.mistakes", _sys.modules[__name__])
