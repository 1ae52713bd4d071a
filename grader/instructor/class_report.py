"""The class at a glance: per-problem statistics of a gradebook, and one self-contained
HTML page of them (`grader gradebook report`).

Per problem: how many learners passed, the score distribution, which named mistakes the
class made and who made each, banned or forbidden calls, and the files stopped by a
limit or a crash (`error_kind`); then every learner's row. The charts are drawn by
matplotlib as inline SVG: no network, no external asset, no script from elsewhere. The
figures the page states are also carried as `data-*` attributes, so a test (or a
script) can read them back and compare them with the gradebook.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from dataclasses import dataclass, field

LIMIT_KINDS = ("timeout", "cpu-limit", "memory-limit", "exited", "crashed", "sandbox-error", "grader-error")


@dataclass
class ProblemStats:
    slug: str
    learners: int = 0  # rows for this problem (a missing file counts, scored 0)
    passed: int = 0
    scores: list[float] = field(default_factory=list)
    mistakes: dict[str, list[str]] = field(default_factory=dict)  # diagnosis name -> learners
    violations: dict[str, list[str]] = field(default_factory=dict)  # API -> learners
    stopped: dict[str, list[str]] = field(default_factory=dict)  # error_kind -> learners
    verdicts: Counter = field(default_factory=Counter)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0

    @property
    def mean_score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


def problem_stats(rows: list[dict]) -> dict[str, ProblemStats]:
    """slug -> its statistics, from the gradebook's rows (Gradebook.rows())."""
    out: dict[str, ProblemStats] = {}
    for row in sorted(rows, key=lambda r: (r["problem"], r["learner"])):
        stats = out.setdefault(row["problem"], ProblemStats(row["problem"]))
        stats.learners += 1
        stats.passed += bool(row["passed"])
        stats.scores.append(float(row["score"]))
        stats.verdicts[row["verdict"]] += 1
        if row["diagnosis"] and not row["passed"]:
            stats.mistakes.setdefault(row["diagnosis"].get("name", "?"), []).append(row["learner"])
        for api in dict.fromkeys(v.get("api", "?") for v in row["violations"]):
            stats.violations.setdefault(api, []).append(row["learner"])
        kind = row.get("error_kind")
        if kind in LIMIT_KINDS:
            stats.stopped.setdefault(kind, []).append(row["learner"])
    for stats in out.values():
        stats.mistakes = dict(sorted(stats.mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0])))
    return out


# --------------------------------------------------------------------------- charts
def _svg(fig, salt: str) -> str:
    """A matplotlib figure as an inline <svg> element (ids salted per figure, so that two
    charts on one page never share a clip path id)."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    fig = Figure(figsize=(width, height), dpi=96)
    return fig, fig.add_subplot()


def pass_rate_chart(stats: dict[str, ProblemStats]) -> str:
    fig, ax = _figure(7, 0.45 * len(stats) + 1.2)
    slugs = list(stats)
    rates = [100 * stats[s].pass_rate for s in slugs]
    ax.barh(slugs, rates, color="#3a7d44")
    ax.set_xlim(0, 100)
    ax.set_xlabel("learners who passed (%)")
    ax.invert_yaxis()
    for y, rate in enumerate(rates):
        ax.text(min(rate + 1, 92), y, f"{rate:.0f}%", va="center", fontsize=9)
    return _svg(fig, "pass-rate")


def score_chart(stats: ProblemStats) -> str:
    fig, ax = _figure(4.2, 2.4)
    ax.hist(stats.scores, bins=[i / 10 for i in range(11)], color="#4a6fa5", edgecolor="white")
    ax.set_xlim(0, 1)
    ax.set_title("score distribution", fontsize=10)
    ax.set_xlabel("score")
    ax.set_ylabel("learners")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig, f"scores-{stats.slug}")


def mistakes_chart(stats: ProblemStats) -> str:
    names = list(stats.mistakes)[:8]
    fig, ax = _figure(6, 0.4 * len(names) + 1.0)
    ax.barh([_short(n) for n in names], [len(stats.mistakes[n]) for n in names], color="#b5523b")
    ax.set_title("named mistakes", fontsize=10)
    ax.set_xlabel("learners")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.invert_yaxis()
    return _svg(fig, f"mistakes-{stats.slug}")


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


# --------------------------------------------------------------------------- the page
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0} td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}
th{background:#f3f3f3} td.num{text-align:right} .pass{color:#2d6a35} .fail{color:#a33}
.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start} svg{max-width:100%;height:auto}
.who{color:#555;font-size:.9em} .muted{color:#777}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def render_html(rows: list[dict], *, seed, points: dict[str, float] | None = None, title: str = "Class report") -> str:
    """The whole page, one string; `rows` are the gradebook's (Gradebook.rows())."""
    points = points or {}
    stats = problem_stats(rows)
    learners = sorted({r["learner"] for r in rows})
    by = {(r["learner"], r["problem"]): r for r in rows}
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>",
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{_e(title)}</h1><p class='muted'>{len(learners)} learner(s), {len(stats)} problem(s), "
             f"seed <span data-stat='seed'>{_e(seed)}</span></p>"]
    if stats:
        parts.append("<h2>Pass rate per problem</h2>" + pass_rate_chart(stats))
    parts.append("<table id='summary'><tr><th>problem</th><th>learners</th><th>passed</th><th>pass rate</th>"
                 "<th>mean score</th><th>points</th></tr>")
    for slug, s in stats.items():
        parts.append(f"<tr data-problem='{_e(slug)}'><td>{_e(slug)}</td>"
                     f"<td class='num' data-stat='learners'>{s.learners}</td>"
                     f"<td class='num' data-stat='passed'>{s.passed}</td>"
                     f"<td class='num' data-stat='pass-rate'>{100 * s.pass_rate:.1f}%</td>"
                     f"<td class='num' data-stat='mean-score'>{s.mean_score:.3f}</td>"
                     f"<td class='num'>{points.get(slug, 1.0):g}</td></tr>")
    parts.append("</table>")
    for slug, s in stats.items():
        parts.append(f"<section data-problem='{_e(slug)}'><h2 id='p-{_e(slug)}'>{_e(slug)}</h2>")
        parts.append(f"<p>{s.passed} of {s.learners} passed ({100 * s.pass_rate:.0f}%); mean score "
                     f"{s.mean_score:.2f}. Verdicts: "
                     + ", ".join(f"{_e(v)} {n}" for v, n in s.verdicts.most_common()) + ".</p>")
        parts.append("<div class='charts'>" + score_chart(s) + (mistakes_chart(s) if s.mistakes else "") + "</div>")
        parts.append(_listing("Named mistakes", "mistake", s.mistakes))
        parts.append(_listing("Banned or forbidden calls", "violation", s.violations))
        parts.append(_listing("Stopped by a limit or a crash", "stopped", s.stopped))
        parts.append("</section>")
    parts.append(_learner_table(learners, list(stats), by, points))
    parts.append("</body></html>")
    return "\n".join(parts)


def _listing(title: str, kind: str, entries: dict[str, list[str]]) -> str:
    if not entries:
        return f"<h3>{_e(title)}</h3><p class='muted' data-{kind}-count='0'>none</p>"
    rows = "".join(f"<tr data-{kind}='{_e(name)}'><td>{_e(name)}</td><td class='num' data-stat='count'>{len(who)}"
                   f"</td><td class='who'>{_e(', '.join(who))}</td></tr>" for name, who in entries.items())
    return f"<h3>{_e(title)}</h3><table><tr><th>{kind}</th><th>learners</th><th>who</th></tr>{rows}</table>"


def _learner_table(learners: list[str], slugs: list[str], by: dict, points: dict) -> str:
    head = "".join(f"<th>{_e(s)}</th>" for s in slugs)
    out = [f"<h2>Learners</h2><table id='learners'><tr><th>learner</th>{head}<th>total</th></tr>"]
    for learner in learners:
        cells, total, top = [], 0.0, 0.0
        for slug in slugs:
            row = by.get((learner, slug))
            weight = float(points.get(slug, 1.0))
            if row is None:
                cells.append("<td></td>")
                continue
            total += row["score"] * weight
            top += weight
            css = "pass" if row["passed"] else "fail"
            why = row.get("error_kind") or (row["diagnosis"] or {}).get("name") or row["verdict"]
            cells.append(f"<td class='{css}' data-problem='{_e(slug)}' data-score='{row['score']:.4f}' "
                         f"data-verdict='{_e(row['verdict'])}'>{row['score']:.2f}"
                         + ("" if row["passed"] else f" <span class='who'>{_e(_short(why, 40))}</span>") + "</td>")
        out.append(f"<tr data-learner='{_e(learner)}'><td>{_e(learner)}</td>{''.join(cells)}"
                   f"<td class='num' data-stat='total'>{total:.2f} / {top:g}</td></tr>")
    out.append("</table>")
    return "".join(out)
