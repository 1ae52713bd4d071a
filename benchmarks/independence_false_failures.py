"""False failures of the statistical judges of `sample` (and generate's sampling cases) for
CORRECT samplers: every case of many case seeds, through the problem's probe and public
judge in-process (the fresh rerun too), for the reference and the correct styles of
tests/sampling_solutions.py. Prints failed checks and how every test's p-values spread
(a calibrated test gives about 1% below 0.01 and 0.1% below 0.001; the verdicts use 1e-7).

    python benchmarks/independence_false_failures.py [--seeds 100] [--generate-seeds 10]
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from grader.course.loader import Course  # noqa: E402
from grader.verdict.inprocess import load_probe, run_in_process  # noqa: E402
from grader.judge import case_tolerance, case_verdicts  # noqa: E402
from sampling_solutions import CORRECT  # noqa: E402


def _compile(source: str, name: str):
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


def _collect(verdicts, tests: dict) -> None:
    for v in verdicts:
        d = v.details or {}
        if "p_value" in d:
            kind = "pairs" if "pairs" in d else "fit (too far)"
            tests.setdefault(kind, []).append(d["p_value"])
        if "p_too_even" in d and d.get("df", 0) >= 6:
            tests.setdefault("fit (too even)", []).append(d["p_too_even"])


def run(problem, fns: dict, seeds, tests: dict) -> tuple[int, int, list]:
    probe = load_probe(problem)
    checks = failed = 0
    messages = []
    for name, fn in fns.items():
        for seed in seeds:
            checks += 1
            bad = []
            for case in problem.reference.cases(seed):
                value = run_in_process(problem, probe, fn, case)
                verdicts = case_verdicts(problem, case, value, case_tolerance(problem, case))
                _collect(verdicts, tests)
                bad += [f"{name} seed {seed} {case.name}: {v.message[:140]}" for v in verdicts if not v.passed]
            failed += bool(bad)
            messages += bad
    return checks, failed, messages


def report(title, checks, failed, messages, tests, elapsed):
    print(f"{title}: {failed} failed of {checks} checks ({elapsed:.0f} s)")
    for m in messages[:5]:
        print("   ", m)
    for kind, ps in sorted(tests.items()):
        p = torch.tensor(ps, dtype=torch.float64)
        print(f"  {kind:15s} {len(ps):6d} tests: min p {float(p.min()):.2g}; below 0.01: {float((p < 0.01).double().mean()):.2%}, "
              f"below 0.001: {float((p < 0.001).double().mean()):.2%}; below the level (a failure): {int((p < 1e-7).sum())}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--generate-seeds", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    course = Course()

    if args.seeds:
        sample = course.get("sample")
        fns = {"reference": sample.reference.sample, **{k: _compile(v, "sample") for k, v in CORRECT.items()}}
        tests: dict = {}
        start = time.perf_counter()
        checks, failed, messages = run(sample, fns, range(2000, 2000 + args.seeds), tests)
        report(f"sample, {len(fns)} correct samplers x {args.seeds} case seeds", checks, failed, messages, tests,
               time.perf_counter() - start)

    if args.generate_seeds:
        sys.path.insert(0, str(REPO / "tests"))
        import test_generate as tg

        gen = course.get("generate")
        fns = {"reference": gen.reference.generate, "recompute": _compile(tg.RECOMPUTE, "generate"),
               "own cache, Gumbel-max": _compile(tg.OWN_CACHE, "generate")}
        tests = {}
        start = time.perf_counter()
        checks, failed, messages = run(gen, fns, range(3000, 3000 + args.generate_seeds), tests)
        report(f"generate, {len(fns)} correct loops x {args.generate_seeds} case seeds", checks, failed, messages,
               tests, time.perf_counter() - start)


if __name__ == "__main__":
    main()
