"""The class report (`grader gradebook report`): one self-contained HTML page whose
figures are the gradebook's, checked in a real headless browser (Debian's chromium)
when one is installed."""

import re
import shutil
import sqlite3
import subprocess
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.instructor.gradebook import Gradebook
from grader.verdict.results import CaseResult, Report
from grader.policy.violations import Violation

pytest.importorskip("matplotlib", reason="the class report's charts need the `report` extra (matplotlib)")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium here: the browser check of the class "
                                    "report needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)")


def _report(slug, statuses, *, diagnosis=None, violations=(), error_kind=None):
    cases = [CaseResult(f"case {i}", s == "ok", "" if s == "ok" else f"{s}: why", status=s)
             for i, s in enumerate(statuses)]
    score = 0.0 if violations or not cases else sum(c.passed for c in cases) / len(cases)
    return Report(slug, slug, f"{slug}.py", 3, passed=score == 1.0, score=score, cases=cases,
                  diagnosis=diagnosis, violations=list(violations), error_kind=error_kind,
                  error="syntax error" if error_kind else None)


@pytest.fixture
def book_path(tmp_path):
    """A class of 6 learners x 2 problems with every kind of row the report shows."""
    path = tmp_path / "book.sqlite"
    unbiased = {"name": "unbiased variance", "explanation": "divides by d - 1"}
    ban = Violation("torch.nn.functional.layer_norm", "layer_norm.py", 3, "called", "banned")
    with Gradebook(path) as book:
        book.set_meta("seed", 3)
        rows = {
            "ada": {"layer-norm": _report("layer-norm", ["ok"] * 4), "gelu": _report("gelu", ["ok"] * 3)},
            "bob": {"layer-norm": _report("layer-norm", ["ok", "ok", "exception", "ok"]),
                    "gelu": _report("gelu", ["ok", "ok", "timeout"])},
            "cy": {"layer-norm": _report("layer-norm", ["ok"] * 4, violations=[ban]),
                   "gelu": _report("gelu", ["memory-limit", "skipped", "skipped"])},
            "dee": {"layer-norm": _report("layer-norm", ["ok"] * 4),
                    "gelu": _report("gelu", ["ok", "exited", "skipped"])},
            "eve": {"layer-norm": _report("layer-norm", ["ok", "ok", "ok", "exception"], diagnosis=unbiased),
                    "gelu": _report("gelu", [], error_kind="syntax-error")},
            "<fay>": {"layer-norm": _report("layer-norm", ["ok", "exception", "exception", "exception"],
                                            diagnosis=unbiased)},
        }
        for learner, mine in rows.items():
            for slug, report in mine.items():
                book.record(learner, slug, report, file=f"{learner}/{slug}.py", sha256=learner)
        book.record("<fay>", "gelu", None, verdict="missing")
    return path


class _Cells(HTMLParser):
    """Every element's data-* attributes with its text, in document order."""

    def __init__(self):
        super().__init__()
        self.found, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        entry = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.found.append(entry)
        if tag not in ("meta", "br", "img", "link", "input", "path", "use", "rect", "line"):
            self.stack.append(entry)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for entry in self.stack:
            entry["text"] += data


def _figures(dom: str) -> dict:
    """{(problem, stat): text} from the summary table, {(kind, name, problem): count} from the listings."""
    parser = _Cells()
    parser.feed(dom)
    stats, listed, problem = {}, {}, None
    for entry in parser.found:
        attrs = entry["attrs"]
        if entry["tag"] in ("tr", "section") and "data-problem" in attrs:
            problem = attrs["data-problem"]
        if "data-stat" in attrs and problem is not None and entry["tag"] == "td":
            stats[(problem, attrs["data-stat"])] = entry["text"].strip()
    for entry in parser.found:
        if entry["tag"] == "section":
            problem = entry["attrs"]["data-problem"]
        for kind in ("mistake", "violation", "stopped"):
            if f"data-{kind}" in entry["attrs"]:
                listed[(kind, entry["attrs"][f"data-{kind}"], problem)] = entry["text"]
    return {"stats": stats, "listed": listed}


def _expected_from_sqlite(path):
    """The same figures, computed by SQL straight from the gradebook file."""
    db = sqlite3.connect(path)
    per_problem = {p: (n, passed, mean) for p, n, passed, mean in db.execute(
        "SELECT problem, COUNT(*), SUM(passed), AVG(score) FROM results GROUP BY problem")}
    mistakes = {(json_name, p): n for json_name, p, n in db.execute(
        "SELECT json_extract(diagnosis, '$.name'), problem, COUNT(*) FROM results "
        "WHERE diagnosis IS NOT NULL AND passed = 0 GROUP BY 1, 2")}
    stopped = {(k, p): n for k, p, n in db.execute(
        "SELECT error_kind, problem, COUNT(*) FROM results WHERE error_kind IN "
        "('timeout', 'cpu-limit', 'memory-limit', 'exited', 'crashed') GROUP BY 1, 2")}
    return per_problem, mistakes, stopped


def _write_report(book_path, out, *extra):
    result = CliRunner().invoke(main, ["gradebook", "report", str(book_path), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_the_report_is_one_self_contained_page(book_path, tmp_path):
    page = _write_report(book_path, tmp_path / "report.html")
    assert page.count("<svg") == 1 + 2 + 1  # the pass rates, a score histogram per problem, layer-norm's mistakes
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "&lt;fay&gt;" in page and "<fay>" not in page  # learner names are escaped


def test_the_figures_are_the_gradebooks(book_path, tmp_path):
    page = _write_report(book_path, tmp_path / "report.html")
    _check_figures(page, book_path)


def _check_figures(dom, book_path):
    figures = _figures(dom)
    per_problem, mistakes, stopped = _expected_from_sqlite(book_path)
    for slug, (n, passed, mean) in per_problem.items():
        assert figures["stats"][(slug, "learners")] == str(n)
        assert figures["stats"][(slug, "passed")] == str(passed)
        assert figures["stats"][(slug, "pass-rate")] == f"{100 * passed / n:.1f}%"
        assert float(figures["stats"][(slug, "mean-score")]) == pytest.approx(mean, abs=5e-4)
    shown = {(name, p): int(re.search(r"(\d+)", text.split(name, 1)[1]).group(1))
             for (kind, name, p), text in figures["listed"].items() if kind == "mistake"}
    assert shown == mistakes and mistakes == {("unbiased variance", "layer-norm"): 2}
    shown_stopped = {(name, p): int(re.search(r"(\d+)", text.split(name, 1)[1]).group(1))
                     for (kind, name, p), text in figures["listed"].items() if kind == "stopped"}
    assert shown_stopped == stopped and len(stopped) == 3  # timeout, memory-limit, exited on gelu
    assert ("violation", "torch.nn.functional.layer_norm", "layer-norm") in figures["listed"]


def test_points_weight_the_learner_totals(book_path, tmp_path):
    page = _write_report(book_path, tmp_path / "report.html", "--points", "gelu=3")
    row = re.search(r"<tr data-learner='ada'>.*?data-stat='total'>([^<]*)<", page).group(1)
    assert row == "4.00 / 4"


def _chromium(*args, timeout=90):
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--host-resolver-rules=MAP * ~NOTFOUND", *args],
                          capture_output=True, text=True, timeout=timeout)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@needs_chromium
def test_the_browser_sees_a_page_without_console_errors_whose_figures_match(book_path, tmp_path):
    control = tmp_path / "control.html"
    control.write_text("<!DOCTYPE html><html><body><script>console.error('control'); nope();</script></body></html>")
    seen = _chromium("--dump-dom", control.as_uri())
    assert len(_console_errors(seen.stderr)) == 2, seen.stderr  # the console is really read
    out = tmp_path / "report.html"
    _write_report(book_path, out)
    loaded = _chromium("--dump-dom", out.as_uri())
    assert loaded.returncode == 0, loaded.stderr
    assert _console_errors(loaded.stderr) == []
    assert loaded.stdout.count("<svg") == 4  # every chart rendered into the DOM
    _check_figures(loaded.stdout, book_path)
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2400", out.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000  # a page with charts, not a blank one
