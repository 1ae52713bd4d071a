"""A banned or forbidden use found in learner code, with where and how it was reached."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Violation:
    api: str  # the banned public name, or the forbidden construct
    file: str
    line: int
    how: str  # "import", "attribute", "getattr", "run time: aten.gelu", ...
    kind: str = "banned"  # "banned": a problem's banned API; "forbidden": a way around the checks

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.api} ({self.how})"
