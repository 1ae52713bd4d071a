"""Figures for the `sample` problem's statistical judge: power, false failures, speed.

    python benchmarks/sampling_power.py [--wrong-checks 100] [--reference-checks 1000] [--runs 5]

- For each wrong sampler in tests/sampling_solutions.py: in how many of N checks (each
  with its own case seed, so new distributions and generator seeds) it fails, and which
  check catches it first.
- For the reference sampler: how many of N checks fail (a false failure), and how the
  chi-square p-values are spread (a calibrated test gives about 5% below 0.05).
- The wall time of a whole `grader check sample` on a correct file (median of a few runs).

Checks run in-process: the problem's probe and judge are called directly on draws made
here, the same code path `grader check` takes minus the sandbox. The script re-runs
itself with glibc's mmap threshold raised: each check allocates batches of tens of MB,
and returning them to the OS every time (then faulting fresh pages in) tripled the time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from grader.course.loader import Course, load_module_from_path  # noqa: E402
from sampling_solutions import BANNED, CORRECT, WRONG  # noqa: E402


class _Ctx:
    def __init__(self, options):
        self.options = options

    def call(self, fn, *args, **kwargs):
        return fn(*args, **kwargs)


def _compile(source: str):
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    return namespace["sample"]


def run_check(ref, probe, fn, seed: int, p_values: list | None = None) -> str | None:
    """One whole check in-process: None if it passes, else the first failing case and message."""
    for case in ref.cases(seed):
        try:
            value = probe.probe(fn, case.pristine_inputs(), _Ctx(case.options))
        except Exception as exc:  # the sampler raised: a failed case, as in the sandbox
            return f"{case.name}: raised {type(exc).__name__}"
        verdicts = ref.judge(case, value, case.tolerance)
        if p_values is not None and "p_value" in verdicts[0].details:
            p_values.append(verdicts[0].details["p_value"])
        failed = [v for v in verdicts if not v.passed]
        if failed:
            return f"{case.name}: {failed[0].message}"
    return None


def _kind(message: str) -> str:
    for key, label in (("outside 0..", "ids out of range"), ("probability 0", "drew a zero-probability token"),
                       ("chi-square", "chi-square"), ("same generator seed gave different", "reproducibility"),
                       ("identical draws", "other-seed check"), ("shape", "shape"), ("dtype", "dtype"),
                       ("raised", "raised")):
        if key in message:
            return label
    return "other"


def grader_check_seconds(runs: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.py"
        path.write_text(textwrap.dedent(CORRECT["cumsum-searchsorted"]))
        for _ in range(runs):
            start = time.perf_counter()
            env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # as a learner runs it
            done = subprocess.run([sys.executable, "-m", "grader.cli", "check", "sample", "--file", str(path)],
                                  capture_output=True, cwd=tmp, env=env)
            times.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stdout.decode()[-2000:]
    return times


def _with_malloc_tuning() -> None:
    if os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        return
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="2000000000", MALLOC_TRIM_THRESHOLD_="2000000000")
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main() -> None:
    _with_malloc_tuning()
    parser = argparse.ArgumentParser()
    parser.add_argument("--wrong-checks", type=int, default=100)
    parser.add_argument("--reference-checks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)

    problem = Course().get("sample")
    ref = problem.reference
    probe = load_module_from_path("_sampling_power_probe", problem.probe_path)
    print(f"chi-square level per test: {ref.ALPHA:g}; tests per check: {len(ref.cases(0))}; "
          f"draws per case: {[c.options['draws'] * c.inputs['probs'].shape[0] for c in ref.cases(0)]}")

    print(f"\nWrong samplers: failed checks out of {args.wrong_checks} (case seeds 1..{args.wrong_checks})")
    for label, (_, source) in WRONG.items():
        fn = _compile(source)
        start = time.perf_counter()
        kinds: dict[str, int] = {}
        for seed in range(1, args.wrong_checks + 1):
            message = run_check(ref, probe, fn, seed)
            if message is not None:
                kinds[_kind(message)] = kinds.get(_kind(message), 0) + 1
        failed = sum(kinds.values())
        how = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"  {label:45s} {failed:4d}/{args.wrong_checks}   first caught by: {how or '-'}"
              f"   ({time.perf_counter() - start:.1f} s)")
    print(f"  (banned routes, refused by the static scan or the run-time guard on every run: {', '.join(BANNED)})")

    print(f"\nReference sampler: failed checks out of {args.reference_checks} "
          f"(case seeds 1000..{999 + args.reference_checks})")
    fn = ref.sample
    p_values: list[float] = []
    start = time.perf_counter()
    failures = [m for seed in range(1000, 1000 + args.reference_checks)
                if (m := run_check(ref, probe, fn, seed, p_values)) is not None]
    elapsed = time.perf_counter() - start
    pv = torch.tensor(p_values, dtype=torch.float64)
    print(f"  failed: {len(failures)}/{args.reference_checks}   ({elapsed:.1f} s, {1000 * elapsed / args.reference_checks:.0f} ms a check)")
    for m in failures[:5]:
        print(f"    {m[:160]}")
    print(f"  chi-square p-values over {len(p_values)} tests: min {float(pv.min()):.2g}, "
          f"below 0.05: {float((pv < 0.05).double().mean()):.1%}, below 0.01: {float((pv < 0.01).double().mean()):.1%} "
          "(a calibrated test: about 5% and 1%)")

    for style in ("gumbel-max", "count-below-u"):
        fn = _compile(CORRECT[style])
        n = max(args.reference_checks // 5, 1)
        failed = sum(run_check(ref, probe, fn, seed) is not None for seed in range(1000, 1000 + n))
        print(f"  correct sampler '{style}': failed {failed}/{n}")

    times = grader_check_seconds(args.runs)
    print(f"\n`grader check sample` on a correct file: median {statistics.median(times):.2f} s over {args.runs} runs "
          f"({', '.join(f'{t:.2f}' for t in times)})")


if __name__ == "__main__":
    main()
