"""What `grader validate` found about one problem, as plain data (no torch here: the
command prints a problem kept in the validation cache without importing it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

DEFAULT_SEEDS = (0, 1)

CHECKS = ["scaffold", "config", "statement", "stub", "reference", "signature", "cases", "examples",
          "prose examples", "formulas", "relations", "claims", "public judge",
          "own check", "stub fails", "mistakes", "variants", "tolerance", "trivial answers", "reference bans", "evidence"]


@dataclass
class Finding:
    level: str  # "error" or "warning"
    check: str  # one of CHECKS
    message: str


@dataclass
class Validation:
    slug: str
    title: str
    source: str  # the course root the problem came from
    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)  # checks that ran
    elapsed: float = 0.0
    variants: dict = field(default_factory=dict)  # the mutation score and survivors (grader/verdict/variant_cache.py)
    trivial: dict = field(default_factory=dict)  # what each trivial answer scores
    step_seconds: dict = field(default_factory=dict)  # check -> seconds it took (where the time goes)
    cached: bool = False  # read back from grader/instructor/validate_cache.py, not run now

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    def status(self, check: str) -> str:
        """"ok", "error", "warning" or "skipped"."""
        if check not in self.ran:
            return "skipped"
        levels = {f.level for f in self.findings if f.check == check}
        return "error" if "error" in levels else "warning" if "warning" in levels else "ok"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Validation":
        """What to_dict wrote (the validation cache's JSON)."""
        known = {f for f in cls.__dataclass_fields__}
        kept = {k: v for k, v in data.items() if k in known and k != "findings"}
        return cls(**kept, findings=[Finding(**f) for f in data.get("findings", [])])


def order_warnings(course, results: list[Validation]) -> None:
    """A problem sharing its `order` with another: the listing between them is by slug."""
    by_order: dict[float, list[str]] = {}
    for problem in course:
        if problem.spec.order is not None:
            by_order.setdefault(problem.order, []).append(problem.slug)
    for v in results:
        problem = course.get(v.slug)
        twins = [s for s in by_order.get(problem.order, []) if s != v.slug] if problem.spec.order is not None else []
        if twins:
            v.findings.append(Finding("warning", "config", f"order {problem.order:g} is shared with "
                                      f"{', '.join(twins)}: the listing order between them is by slug"))
