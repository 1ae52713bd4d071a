"""Grading a class: `grader grade` (a pool of sandboxes in one process) against one fresh
`grader check` process per submission, measured side by side in the same run.

    python benchmarks/batch_grading.py [--submissions 200] [--fresh-sample 10] [--workers 2]

Makes SUBMISSIONS learner folders with layer-norm and gelu files (correct, wrong in known
ways, banned, unfinished, broken), grades them all with one `grader grade` process, and
checks an evenly spaced sample of them with one fresh `grader check --file` process each.
Prints per-submission figures and their ratio (machines here are noisy: compare ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

VARIANTS = {
    "layer_norm": {
        "correct": """
            import torch
            def layer_norm(x, eps=1e-5):
                m = x.mean(-1, keepdim=True)
                return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
        """,
        "correct-rsqrt": """
            import torch
            def layer_norm(x, eps=1e-5):
                c = x - x.mean(dim=-1, keepdim=True)
                return c * torch.rsqrt(c.pow(2).mean(dim=-1, keepdim=True) + eps)
        """,
        "unbiased": """
            import torch
            def layer_norm(x, eps=1e-5):
                return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps)
        """,
        "eps-outside": """
            def layer_norm(x, eps=1e-5):
                return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True, unbiased=False) + eps)
        """,
        "banned": """
            import torch.nn.functional as F
            def layer_norm(x, eps=1e-5):
                return F.layer_norm(x, x.shape[-1:], eps=eps)
        """,
        "unfinished": """
            def layer_norm(x, eps=1e-5):
                raise NotImplementedError("layer-norm: implement layer_norm(x, eps)")
        """,
        "syntax-error": """
            def layer_norm(x, eps=1e-5)
                return x
        """,
    },
    "gelu": {
        "correct": """
            import math, torch
            def gelu(x):
                return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
        """,
        "erf": """
            import math, torch
            def gelu(x):
                return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
        """,
    },
}


def make_class(root: Path, n: int) -> list[Path]:
    """n learner folders; returns every file written (in learner order)."""
    files = []
    for i in range(n):
        folder = root / f"learner{i:03d}"
        folder.mkdir(parents=True)
        for k, (module, variants) in enumerate(VARIANTS.items()):
            names = list(variants)
            name = names[(i // (k + 1)) % len(names)]
            path = folder / (f"{module}.py" if i % 2 else f"{module.replace('_', '-')}.py")  # both spellings
            path.write_text(textwrap.dedent(variants[name]))
            files.append(path)
    return files


def env() -> dict:
    out = {k: v for k, v in os.environ.items() if k not in ("GRADER_COURSE", "GRADER_WORKSPACE")}
    out["COLUMNS"] = "100"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=200, help="learner folders (each has 2 files)")
    parser.add_argument("--fresh-sample", type=int, default=10, help="files checked by fresh processes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        root = Path(tmp) / "submissions"
        files = make_class(root, args.submissions)
        book = Path(tmp) / "gradebook.sqlite"
        out = Path(tmp) / "gradebook.json"

        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(root), "--seed", "12345",
                               "--workers", str(args.workers), "--gradebook", str(book), "--json", str(out)],
                              capture_output=True, text=True, env=env())
        pool_wall = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"grader grade failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        data = json.loads(out.read_text())
        with sqlite3.connect(book) as db:  # each file's own check time inside the pool
            inside = [row[0] for row in db.execute("SELECT elapsed FROM results WHERE report IS NOT NULL")]
        graded = sum(len(e["problems"]) for e in data["learners"].values())
        verdicts: dict[str, int] = {}
        for entry in data["learners"].values():
            for r in entry["problems"].values():
                verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1

        step = max(1, len(files) // args.fresh_sample)
        sample = files[::step][: args.fresh_sample]
        fresh = []
        for path in sample:
            slug = path.stem.replace("_", "-")
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader.cli", "check", slug, "--file", str(path), "--seed", "12345",
                            "--json"], capture_output=True, text=True, env=env())
            fresh.append(time.perf_counter() - started)

    per_pool = pool_wall / graded
    fresh_median = statistics.median(fresh)
    print(f"batch grading: {args.submissions} learners x 2 problems = {graded} files; "
          f"{args.workers} worker(s); torch threads 1")
    print(f"  verdicts: {', '.join(f'{k} {v}' for k, v in sorted(verdicts.items(), key=lambda kv: -kv[1]))}")
    print(f"  grader grade (one process, pool):  {pool_wall:7.2f} s wall for {graded} files = "
          f"{per_pool * 1000:7.1f} ms per file (start-up included)")
    print(f"    (median time of one file's check inside the pool: {statistics.median(inside) * 1000:.1f} ms; "
          f"{args.workers} run at once)")
    print(f"  grader check (fresh process each): median {fresh_median * 1000:7.1f} ms per file "
          f"(min {min(fresh) * 1000:.0f}, max {max(fresh) * 1000:.0f}; sample of {len(fresh)})")
    print(f"  speed-up per file: {fresh_median / per_pool:5.1f}x  (target >= 40x)")


if __name__ == "__main__":
    main()
