"""Handing a course to other tools: a Gradescope autograder zip, and the learner's bundle.

The Gradescope zip holds setup.sh, run_autograder, gradescope.json (problems, hidden
seed, points, visibility) and src/ (this package's source, with the course, references
included, bundled as grader/course_data). Gradescope keeps the zip's contents in
/autograder/source; run_autograder grades /autograder/submission and writes
/autograder/results/results.json (see grader/instructor/gradescope.py).

The learner's bundle holds, per problem, the statement, stub, config (with its hints),
probe and public judge (judge.py) if any, and fixtures.pt (public cases with expected
outputs or, for a public judge, the data it needs; see grader/verdict/fixtures.py), and the
learner's wheel: the grader with those problems as its course (grader/instructor/learner_package.py),
installed with the one command in the bundle's README. It never holds the references.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..course.loader import PACKAGE_DIR, Course, CourseError, Problem
from ..verdict.fixtures import FixtureMode, read_fixtures
from .fixtures_write import write_fixtures
from .learner_package import build_learner_wheel, learner_spec

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image. Choose a base image
# with Python 3.11 or later (Ubuntu 24.04 has 3.12).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip > /dev/null
python3 -c 'import sys; assert sys.version_info >= (3, 11), "the grader needs Python 3.11+: pick a newer base image"'
python3 -m venv /autograder/venv
# torch pinned to the version the course was exported with, from the CPU-only wheel index
# (the default index would pull gigabytes of CUDA wheels the autograder never uses).
/autograder/venv/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu "torch=={torch}"
/autograder/venv/bin/pip install --quiet "numpy>=1.24" "click>=8.1" "rich>=13"
"""

def setup_sh() -> str:
    """setup.sh with torch pinned to this grader's torch (its public version, without a local tag)."""
    import torch

    return SETUP_SH.replace("{torch}", torch.__version__.split("+")[0])


RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission (as /autograder/run_autograder).
# GRADER_AUTOGRADER_ROOT moves the /autograder tree and GRADER_PYTHON picks the
# interpreter: that is how the grader's own tests run this file in a temporary tree.
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${GRADER_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x "$ROOT/venv/bin/python" ]; then PYTHON="$ROOT/venv/bin/python"; else PYTHON=python3; fi
fi
unset GRADER_COURSE GRADER_WORKSPACE
cd "$ROOT/source" || exit 1
export PYTHONPATH="$ROOT/source/src"
RESULTS="$ROOT/results/results.json"
rm -f "$RESULTS"
"$PYTHON" -m grader.instructor.gradescope --root "$ROOT"
status=$?
if [ ! -s "$RESULTS" ]; then  # the grader could not even start (no torch, a broken image): say so to Gradescope
  mkdir -p "$ROOT/results"
  printf '{"score": 0.0, "tests": [], "output": "The autograder could not start (exit %s): its Python cannot run the grader (is torch installed in the image?). Tell your instructor; this is not your code'"'"'s fault."}\n' "$status" > "$RESULTS"
fi
exit 0
"""

STUDENT_README = """# {title}

Problems, in order: {problems}.

Each `problems/<slug>/` holds the statement (README.md), the stub you start from
(stub.py), the hints (problem.toml), and `fixtures.pt`: the public cases with their
expected outputs (and, for some problems, `judge.py`: how they are judged), so that
`grader check` works without the instructor's hidden reference.

## Install

`{wheel}`, in this folder, is the grader for these
problems: the package `{package}`, version {version}, holding these statements, stubs,
hints and fixtures and no reference solution. It needs Python 3.11+ and torch 2.2+.

First a virtual environment (any Python 3.11+; on Windows activate with
`.venv\\Scripts\\activate`):

```bash
python3 -m venv .venv && . .venv/bin/activate
```

Then, from this folder, this installs a CPU build of torch only if no torch is installed
yet (a torch you already have is kept, whatever its build), then the grader:

<!-- install-command -->
```bash
python -c "import torch" 2>/dev/null || pip install torch --index-url {torch_cpu_index}
pip install ./{wheel}
```
<!-- /install-command -->

The grader runs every check on the CPU, so the CPU build is all it needs: about
{torch_download} to download. Plain `pip install torch` on Linux fetches the CUDA build
instead (several GB). On macOS the default build is already the right one; the
CPU index serves it too. Want a GPU build anyway (for your own experiments)? Install it
first with the command pytorch.org/get-started/locally gives for your machine (for
example `pip install torch --index-url https://download.pytorch.org/whl/cu126`); the
first line above then leaves it alone.

{install_figure}

## Work

```bash
grader init my-work && cd my-work
grader show {first}
grader check {first}
```

`grader init` makes a workspace holding every stub; `grader show` prints a statement.
Write your solution in `{first_file}`; `grader check {first}` gives the verdict (exit 0
passed, 1 not passed) and `grader hint {first}` the next hint.

Checks from this bundle use the public cases (seed 0) only; your instructor grades on
hidden cases too.{limited}
"""


def selected_problems(course: Course, slugs: list[str] | None) -> tuple[list[Problem], list[str]]:
    """The named problems (default: all) plus those they inherit banned lists from.
    Returns (problems in course order, slugs added for inheritance)."""
    wanted = {course.get(s).slug for s in slugs} if slugs else set(course.problems)
    added = []
    pending = list(wanted)
    while pending:
        for parent in course.get(pending.pop()).spec.inherit_banned:
            parent = course.get(parent).slug
            if parent not in wanted:
                wanted.add(parent)
                added.append(parent)
                pending.append(parent)
    return [p for p in course if p.slug in wanted], added


def reference_files(problem: Problem) -> list[Path]:
    """The problem's reference and the sibling modules it loads, transitively."""
    files, pending = [], [problem.reference_path]
    while pending:
        path = pending.pop()
        if path in files or not path.exists():
            continue
        files.append(path)
        for name in re.findall(r"sibling\(\s*__file__\s*,\s*[\"'](\w+)[\"']\s*\)", path.read_text(encoding="utf-8")):
            pending.append(path.parent / f"{name}.py")
    return files


def public_judge_files(problem: Problem) -> list[tuple[str, Path]]:
    """(slug, path) of other problems' public judges the reference files load with
    `public_module(__file__, "slug")` (generate's reference reuses sample's chi-square test)."""
    found = []
    for ref in reference_files(problem):
        for slug in re.findall(r"public_module\(\s*__file__\s*,\s*[\"']([\w-]+)[\"']\s*\)",
                               ref.read_text(encoding="utf-8")):
            path = ref.parent.parent / "problems" / slug / "judge.py"
            if path.exists() and (slug, path) not in found:
                found.append((slug, path))
    return found


def _ignore(_dir, names):
    return [n for n in names if n == "__pycache__" or n.endswith(".pyc") or n == "fixtures.pt"]


# --------------------------------------------------------------------------- Gradescope
def export_gradescope(course: Course, out_zip: str | Path, slugs: list[str] | None = None, *,
                      seed: int | None = None, points: dict[str, float] | None = None,
                      visibility: str = "visible", allow_unisolated: bool = False) -> dict:
    """Write the autograder zip. Returns its gradescope.json. `allow_unisolated`: grade
    even where the autograder's container cannot confine learner code (isolation none)."""
    problems, _ = selected_problems(course, slugs)
    graded = [p.slug for p in problems if not slugs or p.slug in {course.get(s).slug for s in slugs}]
    missing = [p.slug for p in problems if not p.has_reference]
    if missing:
        raise CourseError(f"no reference for {', '.join(missing)}: a Gradescope autograder needs the references")
    if visibility not in VISIBILITIES:
        raise CourseError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    unknown = set(points or {}) - set(graded)
    if unknown:
        raise CourseError(f"--points names problems not exported: {', '.join(sorted(unknown))}")
    config = {"format": 1, "problems": graded, "seed": seed if seed is not None else secrets.randbelow(2**31 - 2) + 1,
              "points": {s: float((points or {}).get(s, 1.0)) for s in graded}, "visibility": visibility,
              "allow_unisolated": bool(allow_unisolated)}
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", setup_sh(), executable=True)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add_text(zf, "gradescope.json", json.dumps(config, indent=2) + "\n")
        for path in sorted(PACKAGE_DIR.rglob("*.py")):
            rel = path.relative_to(PACKAGE_DIR)
            if rel.parts[0] == "course_data" or "__pycache__" in rel.parts:
                continue
            zf.write(path, f"src/grader/{rel.as_posix()}")
        data = "src/grader/course_data"
        written: dict[str, Path] = {}
        for problem in problems:
            for path in sorted(problem.dir.rglob("*")):
                if path.is_file() and not _ignore(None, [path.name]) and "__pycache__" not in path.parts:
                    zf.write(path, f"{data}/problems/{problem.slug}/{path.relative_to(problem.dir).as_posix()}")
            for path in reference_files(problem):
                if path.name in written and written[path.name] != path and \
                        written[path.name].read_bytes() != path.read_bytes():
                    raise CourseError(f"two different reference/{path.name} in the course roots "
                                      f"({written[path.name]} and {path}): rename one")
                if path.name not in written:
                    zf.write(path, f"{data}/reference/{path.name}")
                    written[path.name] = path
        exported = {p.slug for p in problems}
        for problem in problems:
            for slug, path in public_judge_files(problem):
                name = f"{data}/problems/{slug}/judge.py"
                if slug not in exported and name not in zf.namelist():
                    zf.write(path, name)
    return config


def _add_text(zf: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


# --------------------------------------------------------------------------- learner's bundle
@dataclass(frozen=True)
class BundledProblem:
    """One problem as the bundle ships it: how `grader check` judges it there, and why not if not."""

    slug: str
    mode: FixtureMode
    reason: str = ""
    cases: int = 0

    @property
    def checkable(self) -> bool:
        return self.mode.checkable

    @property
    def summary(self) -> str:
        """One line for `grader export student`: how the bundle checks it."""
        return MODE_SUMMARIES[self.mode].format(cases=self.cases, reason=self.reason)


MODE_SUMMARIES = {
    FixtureMode.OUTPUTS: "{cases} public cases with expected outputs",
    FixtureMode.PUBLIC_JUDGE: "{cases} public cases judged by its public judge (judge.py)",
    FixtureMode.INSTRUCTOR_ONLY: "instructor's grader only: {reason}",
}


def bundle_problem(problem: Problem, target: Path) -> BundledProblem:
    """Copy one problem's public files into target and write (or carry over) its fixtures."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(problem.dir, target, ignore=_ignore)
    if problem.has_reference:
        data = write_fixtures(problem, target / "fixtures.pt")
    elif problem.fixtures_path.exists():  # re-bundling a bundle
        shutil.copyfile(problem.fixtures_path, target / "fixtures.pt")
        data = read_fixtures(problem)
    else:
        raise CourseError(f"{problem.slug}: neither a reference nor fixtures to bundle")
    return BundledProblem(problem.slug, FixtureMode.of(data), data.get("reason", ""), len(data["cases"]))


def limitations_note(bundled: list[BundledProblem], added: list[str]) -> str:
    """The README's closing paragraphs: problems checkable only by the instructor, and why."""
    limited = [b for b in bundled if not b.checkable]
    note = ""
    if limited:
        note = "\n\nThese problems cannot be checked from this bundle (submit them to your instructor's grader):\n" + \
               "\n".join(f"- {b.slug}: {b.reason}" for b in limited)
    if added:
        note += f"\n\n({', '.join(added)} included because other problems inherit their banned lists.)"
    return note


# PyTorch's documented index of CPU-only wheels (Linux, Windows and macOS).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Measured by benchmarks/bundle_install_figures.py (torch 2.13.0+cpu, Linux x86_64, Python 3.11,
# a 2-core machine shared with other jobs; results in benchmarks/solution_sets/results/bundle_install_figures.txt).
TORCH_CPU_DOWNLOAD = "190 MB"
INSTALL_FIGURE = ("How long it takes, measured in a fresh virtual environment on a busy 2-core Linux machine: with torch "
                  "already installed, the command above, `grader init` and the first `grader check` took "
                  "{rest} s; installing torch itself from a wheel already on disk took another "
                  "{torch} s (plus the download, on a learner's machine). A later check takes a few seconds.")
MEASURED_SECONDS = {"rest": "40 to 80", "torch": "85 to 160"}  # two runs, 2 cores shared with other jobs


def student_readme(title: str, problems: list[Problem], note: str) -> str:
    """The bundle's README: what it holds, the install command, and the first check."""
    spec = learner_spec()
    first = problems[0] if problems else None
    figure = INSTALL_FIGURE.format(**MEASURED_SECONDS)
    return STUDENT_README.format(title=title, problems=", ".join(p.slug for p in problems),
                                 torch_cpu_index=TORCH_CPU_INDEX, torch_download=TORCH_CPU_DOWNLOAD,
                                 install_figure=figure,
                                 wheel=spec.filename, package=spec.name, version=spec.version,
                                 first=first.slug if first else "SLUG",
                                 first_file=f"{first.module_name}.py" if first else "SLUG.py", limited=note)


def export_student(course: Course, out_dir: str | Path, slugs: list[str] | None = None,
                   force: bool = False, title: str = "LLM puzzles") -> list[BundledProblem]:
    """Write the learner's bundle into out_dir: problems/<slug>/ with statement, stub, config,
    probe, public judge and fixtures.pt, a README, and the learner's wheel (grader and
    these problems, no reference) that the README's one command installs."""
    out = Path(out_dir)
    problems, added = selected_problems(course, slugs)
    if (out / "reference").exists():
        raise CourseError(f"{out / 'reference'} exists: a learner's bundle must not hold references; "
                          "choose an empty directory")
    clashes = [p.slug for p in problems if (out / "problems" / p.slug).exists()]
    if clashes and not force:
        raise CourseError(f"{out} already has {', '.join(clashes)}: pass --force to replace them")
    bundled = [bundle_problem(problem, out / "problems" / problem.slug) for problem in problems]
    readme = student_readme(title, problems, limitations_note(bundled, added))
    build_learner_wheel(out, [p.slug for p in problems], readme)
    (out / "README.md").write_text(readme, encoding="utf-8")
    return bundled
