"""What happened to a case, as one closed set of values (Exercism's test runner does the
same): the child's outcome, then the judge's. A `str` enum, so it reads and serialises
as its value ("timeout") and compares equal to it."""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    OK = "ok"  # the code returned a value; the judge decides whether it is right
    EXCEPTION = "exception"
    NOT_IMPLEMENTED = "not-implemented"  # NotImplementedError: a stub, reported by the child itself
    SYNTAX_ERROR = "syntax-error"
    IMPORT_ERROR = "import-error"
    MISSING_ENTRY = "missing-entry"
    WRONG_SIGNATURE = "wrong-signature"
    BAD_OUTPUT = "bad-output"
    BANNED = "banned"
    TIMEOUT = "timeout"
    CPU_LIMIT = "cpu-limit"
    MEMORY_LIMIT = "memory-limit"
    EXITED = "exited"
    CRASHED = "crashed"
    SANDBOX_ERROR = "sandbox-error"
    SKIPPED = "skipped"  # not run: an earlier case exceeded a time limit

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text) -> "Status":
        """A status read from a child: anything unknown is unusable output."""
        try:
            return cls(str(text))
        except ValueError:
            return cls.BAD_OUTPUT

    @property
    def title(self) -> str:
        return _TITLES.get(self, self.value)

    @property
    def time_limit(self) -> bool:
        return self in (Status.TIMEOUT, Status.CPU_LIMIT)

    @property
    def stops_the_check(self) -> bool:
        """Every other case would fail the same way: said once."""
        return self in (Status.MISSING_ENTRY, Status.IMPORT_ERROR, Status.SYNTAX_ERROR)


_TITLES = {
    Status.EXCEPTION: "your code raised an exception",
    Status.NOT_IMPLEMENTED: "your code raised an exception",
    Status.SYNTAX_ERROR: "syntax error",
    Status.IMPORT_ERROR: "importing your file failed",
    Status.MISSING_ENTRY: "entry point missing",
    Status.WRONG_SIGNATURE: "wrong signature",
    Status.BAD_OUTPUT: "unusable output",
    Status.TIMEOUT: "time limit exceeded",
    Status.CPU_LIMIT: "CPU-time limit exceeded",
    Status.MEMORY_LIMIT: "memory limit exceeded",
    Status.EXITED: "the process exited early",
    Status.CRASHED: "the process crashed",
    Status.BANNED: "banned API called",
    Status.SANDBOX_ERROR: "sandbox failure",
}
