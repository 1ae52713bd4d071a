"""From a learner's bundle to the first check, in a fresh virtual environment.

    python benchmarks/bundle_install_figures.py [--torch-spec torch==2.13.0]

Exports the course with `grader export student`, then times, as a learner following the
bundle's README would: creating a venv (`python -m venv`), installing torch, running the
README's install command (between its install-command markers), `grader init`, and the
first `grader check layer-norm` (on the stub: "not implemented yet"). It prints each step's
seconds, the total, the venv's size on disk and the size of the torch wheel pip used.

What this machine can and cannot measure: only PyPI-style indexes are reachable here, not
download.pytorch.org, so torch is installed by `pip install TORCH_SPEC` from the wheel
already on this machine's disk (pip's find-links), not downloaded; the README's first line
(`python -c "import torch" || pip install torch --index-url .../cpu`) then finds torch
importable and skips the download, exactly as it does on a learner's machine with torch
installed. The download itself (about 190 MB for the CPU wheel) is not timed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(label: str, args, cwd: Path, env: dict, rows: list, ok_codes=(0,)) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, shell=isinstance(args, str))
    rows.append((label, time.monotonic() - t0))
    if done.returncode not in ok_codes:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torch-spec", default="torch==2.13.0", help="what `pip install` is given for torch")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bundle, venv = root / "bundle", root / "bundle" / ".venv"
        subprocess.run([sys.executable, "-m", "grader.cli", "export", "student", str(bundle)], check=True,
                       capture_output=True)
        readme = (bundle / "README.md").read_text()
        command = re.search(r"<!-- install-command -->\s*```\w*\n(.*?)```", readme, re.S).group(1).strip()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON", "VIRTUAL_ENV"))}
        rows: list[tuple[str, float]] = []
        timed("python -m venv .venv", [sys.executable, "-m", "venv", str(venv)], bundle, env, rows)
        env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv))
        done = timed(f"pip install {args.torch_spec} (wheel on disk)", ["pip", "install", args.torch_spec],
                     bundle, env, rows)
        wheel = re.search(r"(torch-\S+\.whl)", done.stdout)
        timed("the README's install command", command, bundle, env, rows)
        timed("grader init my-work", ["grader", "init", "my-work"], bundle, env, rows)
        timed("grader check layer-norm (first)", ["grader", "check", "layer-norm"], bundle / "my-work", env, rows,
              ok_codes=(1,))
        timed("grader check layer-norm (again)", ["grader", "check", "layer-norm"], bundle / "my-work", env, rows,
              ok_codes=(1,))
        print(f"{'step':<48} {'seconds':>8}")
        for label, seconds in rows:
            print(f"{label:<48} {seconds:>8.1f}")
        first = sum(s for label, s in rows if "(again)" not in label)
        print(f"{'from the bundle to the first check':<48} {first:>8.1f}")
        print(f"venv on disk: {size_mb(venv):.0f} MB; torch wheel used: {wheel.group(1) if wheel else '?'}")
        found = next(Path("/opt/wheels").glob("torch-*.whl"), None) if Path("/opt/wheels").is_dir() else None
        if found is not None:
            print(f"torch wheel size: {found.stat().st_size / 1e6:.0f} MB ({found.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
