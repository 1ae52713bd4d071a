"""Variant matching (grader/verdict/variant_match.py): per problem, the cold precompute of the
variants' outputs at the public seed, the variants kept, and the median cost of matching
one learner's outputs (the reference's outputs perturbed, so nothing matches: the worst
case, every variant compared) once the table is cached.

    python benchmarks/variant_match_figures.py [slug ...]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import torch

from grader.cases import PUBLIC_SEED
from grader.course.loader import Course
from grader.verdict.execute import load_cases
from grader.verdict.variant_match import matching_variants, variant_table


def main(slugs: list[str]) -> None:
    os.environ.setdefault("GRADER_CACHE_DIR", tempfile.mkdtemp(prefix="variant-match-"))
    torch.set_num_threads(1)
    course = Course()
    slugs = slugs or [p.slug for p in (course.problems.values() if isinstance(course.problems, dict) else course.problems)]
    print(f"{'problem':22} {'cold s':>7} {'variants':>8} {'det.cases':>9} {'load s':>8} {'match ms (median)':>18}")
    for slug in slugs:
        problem = course.get(slug)
        cases = load_cases(problem, PUBLIC_SEED)
        started = time.monotonic()
        table = variant_table(problem, PUBLIC_SEED, cases, use_cache=False)
        cold = time.monotonic() - started
        from grader.verdict import variant_match

        variant_match._MEMO.clear()  # the disk cache's read, as a fresh `grader check` pays it
        started = time.monotonic()
        table = variant_table(problem, PUBLIC_SEED, cases)
        warm = time.monotonic() - started
        if table is None or not table.reference:
            print(f"{slug:22} {cold:7.2f} {'-':>8} {0:>9} {warm:8.3f} {'(no deterministic case)':>18}")
            continue
        values = {name: {"output": out + 1e-3 if out.is_floating_point() else out + 1}
                  for name, out in table.reference.items()}
        failing = set(values)
        costs = []
        for _ in range(7):
            t = time.perf_counter()
            matching_variants(problem, table, cases, values, failing)
            costs.append(1000 * (time.perf_counter() - t))
        print(f"{slug:22} {cold:7.2f} {len(table.descriptions):8d} {len(table.reference):9d} {warm:8.3f} "
              f"{statistics.median(costs):18.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
