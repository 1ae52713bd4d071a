"""Figures for the warm check server (grader/server.py): `grader check` from a fresh
shell, warm and cold, next to `python -c "import torch"`, interleaved in one run.

    python benchmarks/warm_check.py [--runs 5]

Each round runs, as separate processes: the baseline (import torch); the first check
of a workspace, its warm server started on the way (the server is stopped before);
warm checks of layer-norm and mlm-tied-head; and the same layer-norm check cold, in
process (GRADER_NO_DAEMON=1), as before the server existed. Also the client's own cost
(`python -c "import grader.learner.client"` against `python -c pass`) and the spawn start
method's cost per check. Prints medians (machines here are noisy: compare ratios).
Targets (issue 18): warm layer-norm <= 0.25x, mlm-tied-head <= 0.4x, first check <= 1.3x.
On a busy machine the ratios depend on the kernel giving each session its share (Linux's
autogroup): the zygote leads a session of its own, so its torch import gets a share
beside the grader's (see docs/architecture.md, "The first, cold check").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

LAYER_NORM = """import torch


def layer_norm(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
"""


def grader_command() -> list[str]:
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.entry"]


def timed(cmd: list[str], cwd: Path, env: dict, expect: int | None = 0) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from check_overhead import CORRECT_MLM_TIED

    grader = grader_command()
    root = Path(tempfile.mkdtemp(prefix="grader-warm-bench-"))
    sockets = root / "sockets"
    sockets.mkdir(mode=0o700)
    ws = root / "ws"
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_NO_DAEMON", "GRADER_WORKSPACE")}
    env["GRADER_DAEMON_DIR"] = str(sockets)
    cold_env = dict(env, GRADER_NO_DAEMON="1")
    subprocess.run(grader + ["init", str(ws)], env=cold_env, check=True, stdout=subprocess.DEVNULL)
    (ws / "layer_norm.py").write_text(LAYER_NORM)
    (ws / "mlm_tied_head.py").write_text(CORRECT_MLM_TIED)
    timed(grader + ["check", "mlm-tied-head"], ws, cold_env)  # both correct, and every cache on disk warm

    figures: dict[str, list[float]] = {k: [] for k in ("torch", "first", "warm-ln", "warm-mlm", "cold-ln")}
    for _ in range(args.runs):
        figures["torch"].append(timed([sys.executable, "-c", "import torch"], ws, env))
        subprocess.run(grader + ["daemon", "stop"], cwd=ws, env=env, stdout=subprocess.DEVNULL)
        figures["first"].append(timed(grader + ["check", "layer-norm"], ws, env))
        figures["warm-ln"].append(timed(grader + ["check", "layer-norm"], ws, env))
        figures["warm-mlm"].append(timed(grader + ["check", "mlm-tied-head"], ws, env))
        figures["cold-ln"].append(timed(grader + ["check", "layer-norm"], ws, cold_env))
    client = [timed([sys.executable, "-c", "import grader.learner.client"], ws, env) for _ in range(args.runs)]
    bare = [timed([sys.executable, "-c", "pass"], ws, env) for _ in range(args.runs)]
    subprocess.run(grader + ["daemon", "stop"], cwd=ws, env=env, stdout=subprocess.DEVNULL)

    base = statistics.median(figures["torch"])
    print(f"{args.runs} interleaved rounds; medians in seconds (ratio to `python -c \"import torch\"`)")
    labels = {"torch": "python -c 'import torch'", "first": "first check, warm server started (layer-norm)",
              "warm-ln": "warm check layer-norm", "warm-mlm": "warm check mlm-tied-head",
              "cold-ln": "cold check layer-norm (GRADER_NO_DAEMON=1)"}
    targets = {"warm-ln": 0.25, "warm-mlm": 0.4, "first": 1.3}
    for key, label in labels.items():
        med = statistics.median(figures[key])
        target = f"   target <= {targets[key]}x" if key in targets else ""
        print(f"  {label:<48} {med:6.3f} s  {med / base:5.2f}x{target}")
    print(f"  client start-up: python -c 'import grader.learner.client' {statistics.median(client):.3f} s "
          f"against python -c pass {statistics.median(bare):.3f} s")
    spawn_cost(ws)


def spawn_cost(ws: Path) -> None:
    """Per-check cost of the spawn start method (a fresh interpreter per check, the next
    one started ahead) against fork, in one process, with a learner's pause between checks."""
    probe = r"""
import os, statistics, sys, time
os.environ["GRADER_START_METHOD"] = sys.argv[1]
from grader.course.loader import Course
from grader.verdict.runner import check_problem
from grader.sandbox.parent import Sandbox
sandbox = Sandbox(); sandbox.start()
course = Course(); problem = course.get("layer-norm")
times = []
for _ in range(5):
    time.sleep(float(sys.argv[3]))
    start = time.perf_counter()
    report = check_problem(course, problem, file=sys.argv[2], sandbox=sandbox)
    times.append(time.perf_counter() - start)
    assert report.passed
sandbox.close()
print(f"{statistics.median(times):.3f}")
"""
    env = {k: v for k, v in os.environ.items() if k != "GRADER_START_METHOD"}
    for method, pause in (("fork", 0.0), ("spawn", 8.0), ("spawn", 0.0)):
        out = subprocess.run([sys.executable, "-c", probe, method, str(ws / "layer_norm.py"), str(pause)], env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  {method}: failed: {out.stderr[-500:]}")
            continue
        print(f"  per check, {method} start method{'' if method == 'fork' else f', {pause:g} s between checks'}: "
              f"{float(out.stdout):.3f} s (median of 5, layer-norm, in process)")


if __name__ == "__main__":
    main()
