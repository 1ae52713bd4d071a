"""Case coverage as mutation, measured: the reference run once on every case of the first seed with its
coverage sites noted (grader/evidence/coverage_sites.py); the sites that took one value, or
reached one side, become surviving variants of validation's mutation score.

Trusted code (the reference, with recording calls added), in this process, like the
variants' own runs. Never used for diagnosis.
"""

from __future__ import annotations

import warnings

from ..course.cases import Case
from ..course.loader import Problem
from ..evidence import variants as engine
from ..evidence.coverage_sites import coverage_sites, never_varied, recording_edits
from ..evidence.variant_ids import variant_id
from ..evidence.variants import Variant, solution_units
from .inprocess import load_probe, run_in_process
from .variant_cache import Adequacy, Verdict, VariantResult


def coverage_variants(problem: Problem, cases_by_seed: dict[int, list[Case]]) -> tuple[list, list[Variant]]:
    """(the solution's units, the variants of the sites the cases never vary) over every case of the first
    seed: the seed the variants' verdicts are made at (a variant survives when every case of it passes)."""
    units = solution_units(problem.reference, problem.entry)
    sites = coverage_sites(units)
    if not sites:
        return units, []
    fn = engine.build(units, recording_edits(sites))
    probe = load_probe(problem)
    engine.RECORDED.clear()
    try:
        with warnings.catch_warnings():  # with gradients: a probe may check them (reverse-embedding)
            warnings.simplefilter("ignore")
            for case in next(iter(cases_by_seed.values()), []):
                try:
                    run_in_process(problem, probe, fn, case)
                except Exception:
                    return units, []  # a case not run to its end: what was noted is partial, so say nothing
        recorded = {k: list(v) for k, v in engine.RECORDED.items()}
    finally:
        engine.RECORDED.clear()
    return units, never_varied(units, sites, recorded)


def with_coverage(problem: Problem, result: Adequacy, cases_by_seed: dict[int, list[Case]]) -> Adequacy:
    """`result` with the coverage variants added as survivors (they compute what the reference
    computes on every case, by construction)."""
    try:
        units, found = coverage_variants(problem, cases_by_seed)
    except Exception:  # a reference this tracing cannot edit: no coverage finding, rather than a false one
        return result
    extra = [VariantResult(v.key, v.description, v.where, Verdict.SURVIVED, variant_id(units, v)) for v in found]
    return Adequacy(result.slug, list(result.results) + extra, result.cached)
