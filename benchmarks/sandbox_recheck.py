"""The warm re-check (`grader.check(slug, source)` with the session's sandbox up) for
layer-norm and mlm-tied-head, and the cold `grader check` against `import torch`: what
the sandbox's zygote and per-check processes cost. Medians.

    python benchmarks/sandbox_recheck.py [--runs 7] [--cold]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_overhead import warm_rechecks, whole_check  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args()
    warm_rechecks(args.runs)
    if args.cold:
        whole_check(args.runs)
