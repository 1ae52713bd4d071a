"""Nothing legitimate breaks in the sandbox (issue 18, item 1): every program of
tests/legit_corpus.py passes at every isolation level. The static scan is judged
separately (the policy is its own module): it must flag none of them either, except
those listed as the policy's known gaps (strict xfail: fixing the policy makes them pass
and the list must shrink)."""

from __future__ import annotations

import pytest

from grader.policy.banned import build_spec
from grader.sandbox.confine import Isolation, best_level
from grader.sandbox.parent import Sandbox
from grader.policy.static import scan_file

from legit_corpus import PROGRAMS

LEVELS = [lvl.value for lvl in (Isolation.NAMESPACES, Isolation.UID, Isolation.NONE) if lvl.rank <= best_level().rank]
# What the current static policy still refuses (imports outside its allow-list): for the policy's owner.
POLICY_GAPS: set[str] = set()  # programs the static policy still flags (none: time and warnings are allowed)


@pytest.fixture(scope="module", params=LEVELS)
def level_box(request):
    box = Sandbox(isolation=request.param)
    box.start()
    yield box
    box.close()


def _write(tmp_path, course, program):
    problem = course.get(program.slug)
    for name, text in program.helpers.items():
        (tmp_path / f"{name}.py").write_text(text)
    path = tmp_path / f"{problem.module_name}.py"
    path.write_text(program.source)
    return problem, path


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_a_legitimate_program_passes_at_every_level(program, level_box, course, tmp_path, monkeypatch):
    import grader.verdict.runner as runner
    from grader.verdict.runner import check_problem

    monkeypatch.setattr(runner, "scan_file", lambda *a, **k: ([], None))
    problem, path = _write(tmp_path, course, program)
    report = check_problem(course, problem, file=path, workspace=tmp_path, sandbox=level_box, diagnose=False,
                           localise=False)
    bad = [f"{c.name}: {c.status}: {c.message}" for c in report.cases if not c.passed]
    assert report.passed and not report.violations, (level_box.isolation, report.error, report.violations, bad[:2])


@pytest.mark.parametrize("program", [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="policy gap"))
                                     if p.name in POLICY_GAPS else p for p in PROGRAMS], ids=lambda p: p.name)
def test_the_static_scan_flags_no_legitimate_program(program, course, tmp_path):
    problem, path = _write(tmp_path, course, program)
    violations, syntax = scan_file(path, build_spec(course.banned_names(problem), course.banned_aten(problem)),
                                   tmp_path, policy=problem.policy)
    assert syntax is None and not violations, [v.api for v in violations]


def test_the_corpus_is_large_and_varied():
    assert len(PROGRAMS) >= 40 and len({p.name for p in PROGRAMS}) == len(PROGRAMS)
    assert len({p.slug for p in PROGRAMS}) >= 4 and sum(bool(p.helpers) for p in PROGRAMS) >= 4
