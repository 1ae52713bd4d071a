"""Figures for the grader core: how long a whole `grader check` takes next to merely
importing torch, a warm re-check through the public API `grader.check(slug, source)`,
what each isolation level costs per check, and what the run-time guard costs on a
typical case.

    python benchmarks/check_overhead.py [--runs 7]

Prints medians measured in this run (machines here are noisy: compare ratios).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import torch

CORRECT_MLM_TIED = textwrap.dedent('''
    import math
    import torch

    def layer_norm(x, eps=1e-5):
        m = x.mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)

    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        N, T, d = x.shape
        h = d // num_heads
        q, k, v = [(x @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h), dim=-1) @ v
        return a.transpose(1, 2).reshape(N, T, d) @ w_o

    def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
        x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
        for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
            x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
            x = x + gelu(layer_norm(x) @ w1) @ w2
        return x[mask_indicator > 0.5] @ w_emb.T
''')


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_check(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mlm_tied_head.py"
        path.write_text(CORRECT_MLM_TIED)
        check = [sys.executable, "-m", "grader.cli", "check", "mlm-tied-head", "--file", str(path)]
        result = subprocess.run(check, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:])
            raise SystemExit("the correct solution did not pass: fix that first")
        t_import = median_seconds(lambda: subprocess.run([sys.executable, "-c", "import torch"], check=True), runs)
        t_check = median_seconds(lambda: subprocess.run(check, capture_output=True, check=True), runs)
    print(f"python -c 'import torch'                     median {t_import * 1000:7.0f} ms")
    print(f"grader check mlm-tied-head (correct file)   median {t_check * 1000:7.0f} ms"
          f"   = {t_check / t_import:.2f}x importing torch")


CORRECT_LAYER_NORM = textwrap.dedent('''
    import torch

    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
''')


def warm_rechecks(runs: int) -> None:
    """`grader.check(slug, source)` after a first call: the learner's edit-and-check loop
    in a notebook (the session's sandbox is already up)."""
    import grader

    for slug, source in (("layer-norm", CORRECT_LAYER_NORM), ("mlm-tied-head", CORRECT_MLM_TIED)):
        first = grader.check(slug, source, show=False)
        if not first.passed:
            raise SystemExit(f"the correct {slug} did not pass: fix that first")
        t = median_seconds(lambda: grader.check(slug, source, show=False), runs * 3)
        print(f"grader.check({slug!r}, source), warm        median {t * 1000:7.0f} ms   "
              f"({len(first.cases)} cases, isolation {first.isolation})")


def isolation_cost(runs: int) -> None:
    """The same warm re-check of layer-norm in one sandbox per isolation level: the
    difference is what confinement costs a check."""
    from grader.sandbox.confine import Isolation, best_level
    from grader.course.loader import Course
    from grader.verdict.runner import check_problem
    from grader.sandbox.parent import Sandbox

    levels = [lvl for lvl in (Isolation.NONE, Isolation.UID, Isolation.NAMESPACES) if lvl.rank <= best_level().rank]
    boxes = {lvl: Sandbox(isolation=lvl) for lvl in levels}
    for box in boxes.values():
        box.start()
    course = Course()
    problem = course.get("layer-norm")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "layer_norm.py"
        path.write_text(CORRECT_LAYER_NORM)
        medians = {}
        for lvl, box in boxes.items():
            assert check_problem(course, problem, file=path, sandbox=box).passed
            medians[lvl] = median_seconds(lambda: check_problem(course, problem, file=path, sandbox=box), runs * 3)
    for box in boxes.values():
        box.close()
    base = medians[Isolation.NONE]
    for lvl, t in medians.items():
        print(f"layer-norm re-check at isolation {lvl.value:<10}   median {t * 1000:7.1f} ms   "
              f"(+{(t - base) * 1000:5.1f} ms over none)")


def guard_cost(runs: int) -> None:
    from grader.policy.banned import build_spec
    from grader.course.loader import Course
    from grader.policy.guard import Guard, LearnerFrames

    torch.set_num_threads(1)
    course = Course()
    problem = course.get("mlm-tied-head")
    spec = build_spec(course.banned_names(problem), course.banned_aten(problem))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_solution.py"
        path.write_text(CORRECT_MLM_TIED)
        namespace: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)
        fn = namespace["mlm_forward_tied"]
        case = next(c for c in problem.reference.cases(0) if c.inputs["blocks_weights"].shape[0] >= 2)
        inputs = case.inputs
        guard = Guard(spec, LearnerFrames([], [str(path)]))

        def plain():
            for _ in range(20):
                fn(**inputs)

        def guarded():
            with guard:
                for _ in range(20):
                    fn(**inputs)

        plain(), guarded()
        t_plain = median_seconds(plain, runs * 3) / 20
        t_guarded = median_seconds(guarded, runs * 3) / 20
    shape = "x".join(str(s) for s in inputs["input_ids"].shape)
    print(f"typical case '{case.name}' (ids {shape}, {inputs['blocks_weights'].shape[0]} blocks, 1 thread):")
    print(f"  unguarded forward   median {t_plain * 1000:7.3f} ms")
    print(f"  guarded forward     median {t_guarded * 1000:7.3f} ms   = {t_guarded / t_plain:.2f}x"
          f" (+{(t_guarded - t_plain) * 1000:.3f} ms a call)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    warm_rechecks(args.runs)
    isolation_cost(args.runs)
    whole_check(args.runs)
    guard_cost(args.runs)
