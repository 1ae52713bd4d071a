"""The class gradebook: one SQLite file that survives interruptions, exported as CSV or JSON.

One row per (learner, problem), written as soon as that submission is graded, with
the file's hash (a changed file is graded again), the seed, score, verdict, violations,
diagnosis and the full report as JSON. `meta` holds the class seed, so a second run
grades the rest of the class on the same cases.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    learner      TEXT NOT NULL,
    problem      TEXT NOT NULL,
    file         TEXT,
    sha256       TEXT,
    seed         INTEGER,
    score        REAL NOT NULL,
    passed       INTEGER NOT NULL,
    verdict      TEXT NOT NULL,
    error_kind   TEXT,               -- why it stopped: timeout, memory-limit, cpu-limit, exited, crashed, ...
    cases_passed INTEGER NOT NULL,
    cases_total  INTEGER NOT NULL,
    violations   TEXT NOT NULL,      -- JSON list
    diagnosis    TEXT,               -- JSON object or NULL
    error        TEXT,
    report       TEXT,               -- JSON, the whole report
    graded_at    TEXT NOT NULL,
    elapsed      REAL NOT NULL,
    PRIMARY KEY (learner, problem)
);
"""

CSV_COLUMNS = ["learner", "problem", "score", "verdict", "error_kind", "cases_passed", "cases_total", "violations",
               "diagnosis", "error", "seed", "file", "sha256", "graded_at"]

# A case that ended so: the check's reason, when nothing stopped the whole check before.
STOPPED_KINDS = ("timeout", "cpu-limit", "memory-limit", "exited", "crashed", "sandbox-error")


def verdict_of(report) -> str:
    """One word: passed, failed, banned, forbidden, or why nothing ran (not-implemented,
    syntax-error, import-error, missing-entry, ...)."""
    if report.violations:
        return "banned" if any(v.kind == "banned" for v in report.violations) else "forbidden"
    if report.passed:
        return "passed"
    return report.error_kind or "failed"


def error_kind_of(report) -> tuple[str | None, str | None]:
    """(error_kind, error): what stopped the check (a syntax error, a missing entry...),
    else the first case that hit a limit or ended the process (a timeout, the memory or
    CPU limit, SystemExit or os._exit: `exited`, a crash), with its message."""
    if report.error_kind or report.error:
        return report.error_kind, report.error
    for case in report.cases:
        if str(case.status) in STOPPED_KINDS:
            return str(case.status), f"{case.name}: {case.message}"
    return None, None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert_cell(value):
    """A text cell a spreadsheet shows as text: learner names (an LMS names folders after
    them) and messages that start like a formula get a leading apostrophe (OWASP's
    advice for CSV injection). Numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Gradebook:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path))
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
        if "error_kind" not in columns:  # a gradebook made before the column existed
            self.db.execute("ALTER TABLE results ADD COLUMN error_kind TEXT")
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- meta ------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
        self.db.commit()

    @property
    def seed(self) -> int | None:
        value = self.get_meta("seed")
        return int(value) if value is not None else None

    # -- results ---------------------------------------------------------------------
    def graded(self) -> dict[tuple[str, str], str | None]:
        """(learner, problem) -> the sha256 of the file graded (None for a missing file)."""
        return {(l, p): s for l, p, s in self.db.execute("SELECT learner, problem, sha256 FROM results")}

    def record(self, learner: str, problem: str, report=None, *, file: str | None = None, sha256: str | None = None,
               seed: int | None = None, verdict: str | None = None, error: str | None = None) -> None:
        """Store one result and commit it at once (an interrupted run keeps what it graded).
        Without a report: a missing file or a grader error, scored 0."""
        if report is not None:
            cases_passed = sum(c.passed for c in report.cases)
            kind, why = error_kind_of(report)
            row = dict(score=report.score, passed=int(report.passed), verdict=verdict or verdict_of(report),
                       error_kind=kind,
                       cases_passed=cases_passed, cases_total=len(report.cases),
                       violations=json.dumps([v.to_dict() for v in report.violations]),
                       diagnosis=json.dumps(report.diagnosis) if report.diagnosis else None,
                       error=why, report=json.dumps(report.to_dict(), default=str),
                       elapsed=report.elapsed, seed=report.seed)
        else:
            row = dict(score=0.0, passed=0, verdict=verdict or "missing", error_kind=verdict or "missing",
                       cases_passed=0, cases_total=0,
                       violations="[]", diagnosis=None, error=error, report=None, elapsed=0.0, seed=seed)
        row.update(learner=learner, problem=problem, file=file, sha256=sha256,
                   graded_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
        cols = ", ".join(row)
        self.db.execute(f"INSERT OR REPLACE INTO results ({cols}) VALUES ({', '.join('?' for _ in row)})",
                        tuple(row.values()))
        self.db.commit()

    def rows(self) -> list[dict]:
        cur = self.db.execute("SELECT * FROM results ORDER BY learner, problem")
        names = [d[0] for d in cur.description]
        out = []
        for values in cur.fetchall():
            row = dict(zip(names, values))
            row["violations"] = json.loads(row["violations"] or "[]")
            row["diagnosis"] = json.loads(row["diagnosis"]) if row["diagnosis"] else None
            row["passed"] = bool(row["passed"])
            out.append(row)
        return out

    # -- export ----------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> int:
        """One row per learner and problem. Returns the number of rows."""
        rows = self.rows()
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                flat = dict(row)
                flat["violations"] = "; ".join(dict.fromkeys(f"{v['api']} ({v['file']}:{v['line']})"
                                                             for v in row["violations"]))
                flat["diagnosis"] = row["diagnosis"]["name"] if row["diagnosis"] else ""
                flat["error"] = (row["error"] or "").splitlines()[0] if row["error"] else ""
                writer.writerow({k: _inert_cell(v) for k, v in flat.items()})
        return len(rows)

    def to_json(self, points: dict[str, float] | None = None) -> dict:
        """{"seed", "problems", "points", "learners": {learner: {"total", "max", "problems": {slug: {...}}}}}.
        `points`: a weight per problem (default 1 each); a learner's total is the sum of
        score x weight, the max the sum of the weights."""
        points = points or {}
        learners: dict[str, dict] = {}
        problems: list[str] = []
        for row in self.rows():
            if row["problem"] not in problems:
                problems.append(row["problem"])
            weight = float(points.get(row["problem"], 1.0))
            entry = learners.setdefault(row["learner"], {"total": 0.0, "max": 0, "problems": {}})
            entry["total"] = round(entry["total"] + row["score"] * weight, 4)
            entry["max"] = round(entry["max"] + weight, 4)
            entry["problems"][row["problem"]] = {
                k: row[k] for k in ("score", "verdict", "error_kind", "passed", "cases_passed", "cases_total",
                                    "violations", "diagnosis", "error", "seed", "file", "sha256", "graded_at")}
        return {"seed": self.seed, "problems": sorted(problems),
                "points": {p: float(points.get(p, 1.0)) for p in sorted(problems)}, "learners": learners}

    def export_json(self, path: str | Path) -> int:
        data = self.to_json()
        Path(path).write_text(json.dumps(data, indent=2), encoding="utf-8")
        return len(data["learners"])
