"""The variants' precompute (issue 20's cost target) gives the same table, faster: variants whose
edits the reference never reaches take its outputs (and really would give them), forked workers
give what one process gives, and a task stuck past its deadline is dropped without the wait."""

import textwrap
import time

import pytest
import torch

from grader.cases import PUBLIC_SEED
from grader.course.loader import Course, load_module_from_path
from grader.evidence.variant_reach import reached_lines, unreached
from grader.evidence.variants import build, single_variants, solution_units
from grader.verdict import variant_match, variant_pool
from grader.verdict.execute import load_cases

SOURCE = '''
import torch


def _shrink(y, b):
    return y @ b.T


def solution(x, w, eps=1e-5):
    total = x.sum(dim=-1, keepdim=True)
    a, b = w[0], w[1]
    y = x * 2.0 - total / (x.shape[-1] + eps)
    if y.shape[0] < 3:
        y = y @ b.T
        y = _shrink(y, a)
    return torch.clamp(y, -1000.0, 1000.0)[:, 1:]
'''


@pytest.fixture()
def units(tmp_path):
    path = tmp_path / "toy_reach_reference.py"
    path.write_text(textwrap.dedent(SOURCE))
    module = load_module_from_path("_toy_reach_reference", path)
    return solution_units(module, "solution")


def test_unreached_variants_are_exactly_those_in_code_the_runs_never_execute(units):
    g = torch.Generator().manual_seed(0)
    x, w = torch.randn(4, 4, generator=g, dtype=torch.float64), torch.randn(6, 4, 4, generator=g, dtype=torch.float64)
    variants = single_variants(units)
    with reached_lines(units) as lines:
        expected = units[0].module.solution(x, w)  # the reference itself; 4 rows: the branch is never taken, the helper never called
    skipped = unreached(units, variants, lines)
    # lines of the file (SOURCE's first line is blank): 5-6 the helper, 13 the `if`, 14-15 its body
    assert skipped and {variants[i].edits[0].line for i in skipped} <= {5, 6, 14, 15}
    assert {14, 15} <= {variants[i].edits[0].line for i in skipped}
    assert any(variants[i].edits[0].unit == 1 for i in skipped)  # the helper, never called
    # the default eps is evaluated when the variant is built, not in a traced call: never skipped
    assert not any(variants[i].edits[0].line == 9 for i in skipped)
    for i in skipped:  # sound: a skipped variant really gives the reference's output
        assert torch.equal(build(units, variants[i].edits)(x, w), expected)
    reached = [v for i, v in enumerate(variants) if i not in skipped and v.edits[0].line in (10, 12)]
    assert any(not torch.equal(build(units, v.edits)(x, w), expected) for v in reached)


def test_nothing_is_skipped_when_the_branch_runs(units):
    g = torch.Generator().manual_seed(1)
    x, w = torch.randn(2, 4, generator=g, dtype=torch.float64), torch.randn(6, 4, 4, generator=g, dtype=torch.float64)
    with reached_lines(units) as lines:
        units[0].module.solution(x, w)
    assert unreached(units, single_variants(units), lines) == set()


def _square_or_hang(index: int) -> int:
    if index == 1:
        time.sleep(60)  # as a single long torch call would: nothing interrupts it
    return index * index


def test_a_task_stuck_past_its_deadline_is_dropped_and_the_rest_still_run(monkeypatch):
    monkeypatch.setattr(variant_pool, "GRACE", 0.3)
    monkeypatch.setattr(variant_pool, "POLL", 0.1)
    started = time.monotonic()
    results = variant_pool.run_all(_square_or_hang, list(range(8)), workers=2, limit=0.2)
    assert results == {i: i * i for i in range(8) if i != 1}
    assert time.monotonic() - started < 20


def test_forked_workers_give_the_table_one_process_gives(monkeypatch):
    problem = Course().get("top-p")
    cases = load_cases(problem, PUBLIC_SEED)
    monkeypatch.setattr(variant_match, "FORK_ABOVE", 0.0)  # fork even for this small table
    # No variant dropped as slow on a loaded machine: the two runs must see the same variants.
    monkeypatch.setattr(variant_match, "VARIANT_FLOOR", 30.0)
    monkeypatch.setattr(variant_match, "VARIANT_SECONDS", 30.0)
    forked = variant_match.compute_table(problem, cases, workers=2)
    alone = variant_match.compute_table(problem, cases, workers=1)  # one torch thread, as the workers
    assert forked.descriptions == alone.descriptions and forked.sites == alone.sites and len(alone.descriptions) > 50
    for name, outs in alone.outputs.items():
        for a, b in zip(outs, forked.outputs[name], strict=True):
            assert (a is None and b is None) or torch.equal(a, b) or (
                a.is_floating_point() and torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(), b.nan_to_num()))
