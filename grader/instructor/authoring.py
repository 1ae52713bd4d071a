"""`grader new`: scaffold a problem in a course, ready to be filled in.

A course is a directory with `problems/<slug>/` and `reference/`. The scaffold writes
problem.toml, README.md, stub.py and reference/<module>.py with a working layout and
`TODO(grader new)` placeholders; `grader validate` lists every placeholder left and
passes once they are filled in (see docs/authoring.md).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from ..course.loader import Course, CourseError
from .validate import SCAFFOLD_MARK

SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
T = SCAFFOLD_MARK

PROBLEM_TOML = '''title = "{title}"
order = {order}
entry = "{entry}"
# Public dotted names the learner may not use, e.g. "torch.nn.functional.gelu" or "torch.nn.LayerNorm".
# The grader derives the aliases, the aten kernels behind them and the routes around them.
banned = []
# Problems whose banned lists also apply here, e.g. ["layer-norm"].
inherit_banned = []
hints = [
    "{T}: a first, gentle hint (hints are progressive: `grader hint` shows one more each time).",
    "{T}: a more specific hint; the last one nearly gives it away.",
]

[tolerance]
float32 = {{ atol = 1e-5, rtol = 1e-4 }}
float64 = {{ atol = 1e-10, rtol = 1e-8 }}

# [limits]  (per case; the defaults suit small tensors)
# wall_seconds = 10
# cpu_seconds = 10
# memory_mb = 2048
'''

README = '''# {title}

{T}: what the learner builds and why it matters, in two or three sentences.

## What to write

```python
def {entry}(x: torch.Tensor) -> torch.Tensor
```

{T}: each argument with its shape and dtype; what is returned; the conventions (a float64
input gives a float64 output; inputs are not modified).

## The math

{T}: the formula, and a tiny worked example where it helps.

## How it is checked

Your function runs on named cases: typical sizes, edge cases and a float64 case. Each
output must have the expected dtype and shape and match a hidden reference within
`atol + rtol * |expected|` (float32: 1e-5 + 1e-4 * |expected|; float64: 1e-10 + 1e-8 * |expected|).
Inputs must not be modified in place.

## Not allowed

{T}: the banned APIs and why (or "nothing beyond the usual rules").
'''

STUB = '''"""Problem {number} - {slug}.  Run `grader show {slug}` for the statement.

{T}: the contract in a line or two, with the formula.
"""

import torch


def {entry}(x: torch.Tensor) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    raise NotImplementedError("{slug}: implement {entry}(x)")
'''

REFERENCE = '''"""Hidden reference for {slug}: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def {entry}(x):
    # {T}: the reference solution, with exactly the signature in stub.py and the statement.
    raise NotImplementedError("{slug}: write the reference solution")


def cases(seed: int) -> list[Case]:
    def g(name):  # one generator per case: adding a case never shifts the others
        return generator(seed, name)

    # {T}: typical sizes, edge cases, values large enough that the mistakes below show.
    return [
        Case("typical (2, 5, 16)", {{"x": randn(g("typical"), 2, 5, 16)}}, "a batch of sequences"),
        Case("float64", {{"x": randn(g("f64"), 3, 8, dtype=torch.float64)}}, "keep the input's dtype"),
    ]


def _a_mistake(x):
    # {T}: a realistic wrong variant of the solution (same signature), e.g. a wrong dimension.
    raise NotImplementedError


MISTAKES = [
    # {T}: one Mistake per realistic error: name, fn, what went wrong, how to fix it.
    Mistake("a mistake", _a_mistake, "What the code did and why it is wrong.", "How to fix it."),
]
'''


def find_course_root(start: Path | None = None) -> Path | None:
    """The nearest directory at or above `start` holding problems/ or reference/."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / "problems").is_dir() or (d / "reference").is_dir():
            return d
    return None


def target_course(explicit: str | None) -> Path:
    """Where `grader new` writes: --course / GRADER_COURSE (the last one if several), else
    the course the current directory is in."""
    if explicit:
        parts = [p for p in str(explicit).split(os.pathsep) if p]
        if parts:
            return Path(parts[-1]).expanduser().resolve()
    found = find_course_root()
    if found is None:
        raise CourseError("no course here: run `grader new` inside a course directory (one holding problems/ and "
                          "reference/), or name one with `grader --course DIR new SLUG` (created if missing)")
    return found


def new_problem(root: Path, slug: str, *, title: str | None = None, entry: str | None = None,
                order: float | None = None, course: Course | None = None) -> list[Path]:
    """Write the scaffold of `slug` into the course at `root`. Returns the files written."""
    root = Path(root)
    if not SLUG_RE.match(slug):
        raise CourseError(f"{slug!r} is not a slug: lowercase letters, digits and single hyphens, e.g. rms-norm")
    module = slug.replace("-", "_")
    entry = entry or module
    if not entry.isidentifier():
        raise CourseError(f"--entry {entry!r} is not a Python name")
    files = {root / "problems" / slug / "problem.toml": PROBLEM_TOML, root / "problems" / slug / "README.md": README,
             root / "problems" / slug / "stub.py": STUB, root / "reference" / f"{module}.py": REFERENCE}
    existing = [p for p in files if p.exists()]
    if existing:
        raise CourseError(f"{slug} already exists in {root}: {', '.join(str(p) for p in existing)}")
    if order is None:
        orders = [p.order for p in (course or Course(root))]
        order = int(max(orders, default=0)) + 1
    values = dict(slug=slug, entry=entry, title=title or slug.replace("-", " ").capitalize(), T=T,
                  order=f"{order:g}" if isinstance(order, float) else order, number=f"{order:g}")
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    return list(files)


def copy_problem(course: Course, source_slug: str, root: Path) -> list[Path]:
    """Copy an existing problem (a shipped one, say) into the course at `root`, to adapt it:
    the copy replaces the original slug for slug. Sibling modules its reference loads
    (`sibling(__file__, "_model")`) come along when the course lacks them."""
    problem = course.get(source_slug)
    root = Path(root)
    target_dir = root / "problems" / problem.slug
    target_ref = root / "reference" / problem.reference_path.name
    if target_dir.exists() or target_ref.exists():
        raise CourseError(f"{problem.slug} already exists in {root}")
    if not problem.has_reference:
        raise CourseError(f"{problem.slug} has no reference to copy")
    shutil.copytree(problem.dir, target_dir, ignore=shutil.ignore_patterns("__pycache__", "fixtures.pt"))
    target_ref.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(problem.reference_path, target_ref)
    written = [target_dir, target_ref]
    pending = [problem.reference_path]
    while pending:
        text = pending.pop().read_text(encoding="utf-8")
        for name in re.findall(r"sibling\(\s*__file__\s*,\s*[\"'](\w+)[\"']\s*\)", text):
            src, dst = problem.reference_path.parent / f"{name}.py", target_ref.parent / f"{name}.py"
            if src.exists() and not dst.exists():
                shutil.copyfile(src, dst)
                written.append(dst)
                pending.append(src)
    return written
