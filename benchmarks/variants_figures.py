"""Figures for the automatic variants (issue 19): per problem, variants generated,
equivalent, rejected and surviving (with the survivors' descriptions), the cold and
cached time of the adequacy measurement, and what trivial answers score.

    python benchmarks/variants_figures.py [slug ...]

Uses a fresh cache directory (cold), then measures again (cached).
"""

import sys
import tempfile
import time
import os

from grader.instructor.calibration import trivial_scores
from grader.course.loader import Course
from grader.verdict.variant_cache import adequacy


def main(slugs: list[str]) -> None:
    os.environ["GRADER_CACHE_DIR"] = tempfile.mkdtemp(prefix="variants-bench-")
    course = Course()
    totals = [0, 0, 0, 0]
    for problem in course:
        if slugs and problem.slug not in slugs:
            continue
        cases = {0: list(problem.reference.cases(0))}
        started = time.monotonic()
        result = adequacy(problem, cases, (0,))
        cold = time.monotonic() - started
        started = time.monotonic()
        adequacy(problem, cases, (0,))
        cached = time.monotonic() - started
        d = result.to_dict()
        row = [d["generated"], d["equivalent"], d["rejected"], d["survived"]]
        totals = [a + b for a, b in zip(totals, row)]
        trivial = {k: v[0] for k, v in trivial_scores(problem, cases[0]).items()}
        print(f"{problem.slug:18} generated {row[0]:4} equivalent {row[1]:3} rejected {row[2]:4} survived {row[3]:2} "
              f"score {d['score']:.3f}  cold {cold:6.1f} s  cached {cached:5.2f} s  trivial {trivial}", flush=True)
        for s in d["survivors"]:
            print(f"    survivor: {s['description']} ({s['where']})", flush=True)
        for s in d["equivalent_but_rejected"]:
            print(f"    equivalent but rejected: {s['description']} ({s['where']})", flush=True)
    print(f"total generated {totals[0]} equivalent {totals[1]} rejected {totals[2]} survived {totals[3]}")


if __name__ == "__main__":
    main(sys.argv[1:])
