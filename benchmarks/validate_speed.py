"""How long `grader validate <slug>` takes, cold (an empty cache: variants, calibration and
everything else computed) and cached (the same problem again, unchanged), per problem.

    python benchmarks/validate_speed.py [--cold-runs N] [--cached-runs N] [slug ...]

Each run is a fresh `grader validate <slug>` process (the CLI as an author runs it), with
XDG_CACHE_HOME and GRADER_CACHE_DIR pointing at a new empty directory per cold run. Prints
medians of wall-clock seconds and of the CPU seconds the run used (user + system, its
children included: the sandbox and the variants' workers), and the load average at the
start: on a machine shared with other work, wall-clock time follows the load, CPU time much less.
The targets (issue 19): cold <= 60 s, cached <= 5 s, on this machine's 2 cores.

GRADER_VARIANT_PROOFS=0 in the environment judges every variant on every case, as before the
variants' proofs (grader/verdict/variant_proof.py): the same verdicts, for a before/after
figure in one sitting. Figures (one cold and one cached run each, on a machine shared with
other work: CPU is the figure, wall-clock follows the load):
- generate, load 2.9-4.2 at start: proofs on 50.0 s CPU cold, 62.1 s wall; proofs off (as
  main a15bd91) 94.5 s CPU, 144.5 s wall; cached 0.2 s either way. At load 14-19: off 121.3 s
  CPU cold (379.8 s wall), on 56.3 s CPU (256.8 s wall). The variants' own part, serial, is
  about 38 s of it (recording the unedited program's calls 7 s, 592 rejected 8-9 s, 58
  equivalent 21-22 s: the 12 float32-return edits still run their float64 cases, and the 5
  edits of `generate`'s own body replay whole decodings); the rest is the other checks,
  torch imports and the sandbox.
- kv-cache, proofs on: 39.2 s CPU cold, 38.9 s wall (load 5.8); off, load 8: 48.7 s CPU.
  Nothing is proven there (its probe counts every op's work under a dispatch mode, which a
  replay could not see): it costs what it did.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRADER = Path(sys.executable).with_name("grader")


def run(slug: str, cache: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one `grader validate slug`."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), GRADER_CACHE_DIR=str(cache / "grader"), GRADER_NO_DAEMON="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([str(GRADER), "validate", slug], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        print(done.stdout, file=sys.stderr)
    return wall, cpu, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("slugs", nargs="*")
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--cached-runs", type=int, default=3)
    args = parser.parse_args()
    if not args.slugs:
        from grader.course.loader import Course

        args.slugs = [p.slug for p in Course()]
    print(f"{'problem':18} {'cold wall':>10} {'cold cpu':>9} {'cached wall':>12} {'cached cpu':>11}  load at start")
    for slug in args.slugs:
        cold, warm, load = [], [], os.getloadavg()[0]
        for _ in range(args.cold_runs):
            cache = Path(tempfile.mkdtemp(prefix="validate-speed-"))
            cold.append(run(slug, cache))
            for _ in range(args.cached_runs):
                warm.append(run(slug, cache))
            shutil.rmtree(cache, ignore_errors=True)
        codes = {c for _, _, c in cold + warm}
        med = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
        print(f"{slug:18} {med(cold, 0):9.1f}s {med(cold, 1):8.1f}s {med(warm, 0):11.2f}s {med(warm, 1):10.2f}s  "
              f"{load:.1f}{'' if codes <= {0} else f'  (exit codes {sorted(codes)})'}", flush=True)


if __name__ == "__main__":
    main()
