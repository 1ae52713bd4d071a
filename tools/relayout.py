"""Move the flat grader/ package into wings, and every path that names a module with it.

Issue 17. The grader's modules are one flat folder; this script puts each in the wing
(subpackage) named for its idea, rewrites every import and every string that names a
module or a file, and writes the import-linter contract that keeps imports going down
the wings. It is data (the tables below) plus a mechanical pass, so that it can be run
again on whatever flat tree the other branches leave behind.

How the integrator uses it, after merging every flat branch into main:

    python tools/relayout.py --check    # lists grader modules the MAPPING does not know;
                                        # exit 1 naming them, 0 when all are known
    python tools/relayout.py --apply    # git mv + rewrites + wing __init__ files + shims
                                        # + contract; then: grader validate, lint-imports,
                                        # python -m pytest
    git add -A && git commit -m "Relayout: grader/ in wings (tools/relayout.py --apply)"

A module the MAPPING does not know stops both commands, naming it: add one line to
MAPPING (old name -> "wing/new_name"), then run again. A module that uses `__file__` must
be listed in FILE_FIXES (its text after the move) or FILE_OK (layout-independent use).
On a tree already moved, both commands say "nothing to do" and exit 0; a tree with some
modules moved and others still flat is refused (move the stragglers by hand, or add them
to MAPPING and re-apply on the flat tree).

What is rewritten, in grader/, tests/, benchmarks/, reference/, problems/, tools/, docs/,
README.md and pyproject.toml:
- imports, found with `ast` (absolute `grader.x`, relative `.x` / `..x`, inside functions
  too): inside grader/ every import of a grader module becomes relative to the file's new
  package; outside it, absolute;
- the author-facing paths (AUTHOR_API: what problems/*/judge.py, properties.py and
  reference/*.py import) stay valid through thin alias modules at the old path, so no
  course breaks; imports of them OUTSIDE grader/ are kept as they are, and grader's own
  modules may not use them (import-linter);
- strings and prose: file paths `grader/x.py` -> `grader/wing/x.py`; dotted names
  `grader.x` -> `grader.wing.x` (`python -m grader.zygote`, `sys.modules["grader.guard"]`)
  except author-facing ones, which stay valid and public (`sys.modules[...]` lookups of
  them are rewritten: only the real module is registered there);
- benchmarks/: the solution sets (heldout*, tuning_*, results) move to
  benchmarks/solution_sets/, and every `benchmarks/<set>` path with them.
"""
from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "grader"

# ---------------------------------------------------------------------------------------
# The mapping: old flat module (grader/<old>.py) -> its place, "wing/module" under grader/.
# ONE place. A module not listed here (and not in STAY) stops the script, naming it.
MAPPING: dict[str, str] = {
    # sandbox: running untrusted code
    "sandbox": "sandbox/parent",          # the grader's side: zygote, jobs down, plain data up
    "child": "sandbox/child",
    "confine": "sandbox/confine",
    "wire": "sandbox/wire",
    "zygote": "sandbox/zygote",
    "status": "sandbox/status",
    # policy: what a solution may use
    "policy": "policy/import_policy",
    "static": "policy/static",
    "banned": "policy/banned",
    "guard": "policy/guard",
    "violations": "policy/violations",
    # course: what a problem is
    "course": "course/loader",
    "spec": "course/spec",
    "cases": "course/cases",
    "mistakes": "course/mistakes",
    "errors": "course/errors",
    "workspace": "course/workspace",
    # evidence: how an output differs from a right one, and why
    "compare": "evidence/compare",
    "ablation": "evidence/ablation",
    "properties": "evidence/properties",
    "propkit": "evidence/propkit",
    "common_props": "evidence/common_props",
    "sampling_props": "evidence/sampling_props",
    "evidence": "evidence/finding",
    # verdict: one check, from a submission to its report
    "runner": "verdict/runner",
    "execute": "verdict/execute",
    "judge": "verdict/judge",
    "sources": "verdict/sources",
    "fixtures": "verdict/fixtures",
    "explain": "verdict/explain",
    "localise": "verdict/localise",
    "results": "verdict/results",
    "report": "verdict/report",
    "session": "verdict/session",
    # learner: the learner's commands
    "watch": "learner/watch",
    "notebook": "learner/notebook",
    "availability": "learner/availability",
    "statement": "learner/statement",
    # instructor: author, validate, grade a class, hand off
    "validate": "instructor/validate",
    "authoring": "instructor/authoring",
    "signature": "instructor/signature",
    "batch": "instructor/batch",
    "gradebook": "instructor/gradebook",
    "gradescope": "instructor/gradescope",
    "export": "instructor/export",
    "fixtures_write": "instructor/fixtures_write",
    "learner_package": "instructor/learner_package",
    "wheel": "instructor/wheel",
    # Expected from branches in flight (names given in the brief; absent ones are skipped).
    # CONFIRM each against its docstring and imports when it arrives: lint-imports will
    # name any that sits in the wrong wing.
    "variants": "evidence/variants",      # the variant engine (evidence, per DESIGN.md)
    "calibration": "instructor/calibration",      # validate's tolerance and trivial-answer checks
    "examples": "instructor/examples",            # validate's executed statement examples
    "safe_files": "policy/safe_files",    # which learner files may be read: the course's workspace and the child both use it
    "learner_imports": "policy/learner_imports",  # who may import learner modules (the child, the course's sibling)
    "constructs": "policy/constructs",    # the closed-world table of ast node types
    "start_method": "sandbox/start_method",
    "spawn_sandbox": "sandbox/spawn_sandbox",
    "spawn_child": "sandbox/spawn_child",
    "zygote_launch": "sandbox/zygote_launch",
    "no_rlimit": "sandbox/no_rlimit",
    "class_work": "verdict/class_work",   # a class's shared work: cases, expected values, the catalogue's outputs
    # Naming the mistake from outputs runs trusted code (the catalogue, the reference's variants) through
    # the problem's own probe and judge, in this process: so it sits in the verdict wing, beside the judge.
    "diagnose": "verdict/diagnose",       # the catalogue, then the variants, then the precision detector
    "inprocess": "verdict/inprocess",     # a trusted solution through the probe and judge, in-process
    "variant_cache": "verdict/variant_cache",  # variants' verdicts for validate, cached
    "variant_match": "verdict/variant_match",  # a learner's outputs matched with the variants'
    "precision": "verdict/precision",     # the float32-inside-float64 detector
    "client": "learner/client",
    "daemon_paths": "learner/daemon_paths",
    "daemon_protocol": "learner/daemon_protocol",
    "class_report": "instructor/class_report",
    "dask_grading": "instructor/dask_grading",
}
# Packages (directories with __init__.py) and data directories moved whole.
PACKAGES: dict[str, str] = {"probes": "verdict/probes"}
DATA_DIRS: dict[str, str] = {"schema": "verdict/schema"}
# Stay at grader/ top: the `grader` command (thin) and the package itself.
# server: the warm check server runs the `grader` commands themselves, so it sits beside entry.
STAY = {"__init__", "entry", "server", "cli", "cli_support", "commands_instructor", "commands_learner", "daemon_cli"}

# The author-facing API: modules courses' reference/*.py and problems/<slug>/{judge,
# properties,probe}.py import. Each keeps its old path as an alias of the moved module
# (None), or, for `grader.course` (now the course wing), the names its __init__ serves.
AUTHOR_API: dict[str, frozenset[str] | None] = {
    "cases": None, "mistakes": None, "compare": None, "judge": None, "ablation": None,
    "properties": None, "propkit": None, "common_props": None, "sampling_props": None,
    "course": frozenset({"sibling"}),
}

# Wings, top to bottom; `|` joins independent wings (neither may import the other).
LAYERS = [
    "entry | server",
    "cli",
    "commands_instructor | commands_learner | daemon_cli",
    "cli_support",
    "instructor | learner",
    "verdict",
    "evidence",
    "course | sandbox",
    "policy",
]

WING_DOCS: dict[str, str] = {
    "sandbox": """Running untrusted code: the zygote and its jobs (parent.py), the confined child
(child.py), confinement by the kernel (confine.py), the frames on the pipes (wire.py),
the fresh-interpreter zygote (zygote.py), and what happened to a case (status.py).

May import: the policy wing (the guard and banned APIs run inside the child).
Must never: import the course, a reference or anything above (a forked child could
reach what its parent imported), or trust anything the child sends back. It is the
only wing that starts a process (import-linter forbids subprocess and multiprocessing
elsewhere; tests/test_layout.py forbids os.fork and friends).""",
    "policy": """What a solution may use: the import allow-list (import_policy.py), the static
scan (static.py), banned APIs resolved from their public names (banned.py), the run-time
guard the child installs (guard.py), and the violations they report (violations.py).

May import: nothing of the grader's (plain data and torch only).
Must never: run learner code, start a process, or know a problem by name.""",
    "course": """What a problem is: the course on disk and its references (loader.py), problem.toml
parsed once (spec.py), named seeded cases (cases.py), known mistakes (mistakes.py), the
course's error (errors.py), and the learner's workspace laid out from it (workspace.py:
the check reads where a workspace keeps its state, so it sits here, below the check).

May import: the policy wing (a problem's import policy).
Must never: import the sandbox or run learner code. `grader.course.sibling` is
author-facing (reference/*.py import it): this package serves it.""",
    "evidence": """How a learner's output differs from a right one, and why: comparisons with
tolerance and chi-square tests (compare.py), single-edit variants of a reference
(variants.py), ablation through the weights (ablation.py), properties of a right answer
(properties.py, common_props.py, sampling_props.py, propkit.py), and what a diagnosis rests
on and how sure it is (finding.py).

May import: the course wing (cases, tolerances).
Must never: run learner code itself (it hands cases to the verdict wing, which runs
them in the sandbox), or guess: a cause is named only when it is proven.""",
    "verdict": """One check, from a submission to its report: the pipeline (runner.py, session.py),
running and judging the cases (execute.py, judge.py), where cases and expected values
come from (sources.py, fixtures.py), a class's shared work (class_work.py), naming the
mistake from outputs (diagnose.py: the catalogue, then the reference's variants through
variant_match.py and variant_cache.py, run in-process by inprocess.py as trusted code only,
then precision.py), the hook into the evidence (explain.py), where a wrong output goes
wrong (localise.py, probes/), and the verdict data and its rendering (results.py,
report.py, schema/).

May import: evidence, course, sandbox, policy.
Must never: import the learner's or the instructor's commands, or read a verdict from
the child (only plain data crosses; the verdict is computed here).""",
    "learner": """The learner's commands: `grader watch` (watch.py), the notebook API
`grader.check` (notebook.py), which problems can be checked here (availability.py),
a statement on the terminal (statement.py).

May import: the verdict wing and everything below it.
Must never: import the instructor's wing (a learner's bundle has no references).""",
    "instructor": """The instructor's work: scaffold and validate problems (authoring.py,
validate.py, signature.py, calibration.py, examples.py), grade a class (batch.py,
gradebook.py, dask_grading.py, class_report.py), hand off to other tools (export.py,
gradescope.py, fixtures_write.py, learner_package.py, wheel.py).

May import: the verdict wing and everything below it.
Must never: import the learner's wing, or run learner code outside the sandbox.""",
}

# Modules whose text needs a change once moved (each text must be found: else the script
# stops, so a changed line is noticed). Path(__file__) of a module one level deeper.
FILE_FIXES: dict[str, list[tuple[str, str]]] = {
    "course": [("PACKAGE_DIR = Path(__file__).resolve().parent\n",
                "PACKAGE_DIR = Path(__file__).resolve().parent.parent  # grader/, above this wing\n")],
    "sandbox": [("GRADER_DIR = str(Path(__file__).resolve().parent)\n",
                 "GRADER_DIR = str(Path(__file__).resolve().parent.parent)  # all of grader/, not one wing\n")],
    "zygote_launch": [("GRADER_DIR = str(Path(__file__).resolve().parent)\n",
                       "GRADER_DIR = str(Path(__file__).resolve().parent.parent)  # all of grader/, not one wing\n")],
    "daemon_paths": [("PACKAGE_DIR = Path(__file__).resolve().parent\n",
                      "PACKAGE_DIR = Path(__file__).resolve().parent.parent  # all of grader/, not one wing\n")],
    "client": [("here = str(Path(__file__).resolve().parent.parent)",  # the directory holding grader/
                "here = str(Path(__file__).resolve().parents[2])")],
    "spawn_sandbox": [('env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)',
                       'env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])')],
}
# Modules whose use of __file__ does not depend on where they sit.
FILE_OK = {
    "results",      # schema/ moves with it (DATA_DIRS)
    "localise",     # the influence probe's own __file__ (moves with probes/)
    "child",        # sets a workspace module's __file__
    "authoring",    # `sibling(__file__, ...)` in a regex over references
    "export",       # the same
    "static",       # `__file__` as an allowed dunder name, and in a docstring
    "validate",     # in a docstring
    "variants",     # a reference module's own __file__, and its own file among the engine's sources
}

# benchmarks/: the solution sets and their recorded results, moved under one folder.
SETS_DIR = "benchmarks/solution_sets"
SET_PATTERN = re.compile(r"^(heldout\d*|tuning_\w+|results)$")
# A benchmark script that names a set relative to its own folder: `... / "heldout"`.
BENCHMARKS_SET_JOIN = re.compile(r"""(["']benchmarks["'] / )(["'])(heldout\d*|tuning_\w+|results)\2""")
BENCH_SET_JOIN = re.compile(r"""(\bparent / )(["'])(heldout\d*|tuning_\w+|results)\2""")

# Files the rewrite never touches (they name the old layout on purpose).
SKIP = {"tools/relayout.py", "tests/test_layout.py"}
TEXT_ROOTS = ["grader", "tests", "benchmarks", "reference", "problems", "tools", "docs"]
TEXT_FILES = ["README.md", "pyproject.toml"]
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".json", ".cfg", ".sh", ""}

IMPORTLINTER = '''
[tool.importlinter]
root_package = "grader"
include_external_packages = true

[[tool.importlinter.contracts]]
name = "Imports go down the wings (docs/architecture.md)"
type = "layers"
layers = [
{layers}
]
# The package's own __init__ (the notebook API `grader.check`, loaded on first use) is
# no wing: reading `grader.__version__` must not count as importing the learner's wing.
ignore_imports = ["grader -> grader.learner.notebook"]

[[tool.importlinter.contracts]]
name = "Nothing outside the sandbox wing starts a child"
type = "forbidden"
source_modules = [{not_sandbox}]
forbidden_modules = ["subprocess", "multiprocessing", "pty"]
allow_indirect_imports = true  # through grader.sandbox, which is the point
# The learner's client starts the warm check server (grader/learner/server.py), which runs
# no learner code itself: its checks go through the sandbox like every other.
# validate's variant engine runs the reference's variants (trusted code, never a learner's)
# in a pool of forked workers.
ignore_imports = ["grader.learner.client -> subprocess", "grader.verdict.variant_cache -> multiprocessing"]

[[tool.importlinter.contracts]]
name = "Nothing inside the sandbox wing imports the course"
type = "forbidden"
source_modules = ["grader.sandbox"]
forbidden_modules = ["grader.course"]

[[tool.importlinter.contracts]]
name = "The core never draws on a terminal (rich and click stay in commands and reports)"
type = "forbidden"
source_modules = ["grader.sandbox", "grader.policy", "grader.course", "grader.evidence"]
forbidden_modules = ["rich", "click"]
allow_indirect_imports = true

[[tool.importlinter.contracts]]
name = "Grader code never imports the author-facing alias paths (docs/authoring.md)"
type = "forbidden"
source_modules = [{not_alias}]
forbidden_modules = [{aliases}]
'''


# ---------------------------------------------------------------------------------------
def new_dotted(old: str) -> str:
    """`sandbox` -> `grader.sandbox.parent`; `probes` -> `grader.verdict.probes`."""
    target = MAPPING.get(old) or PACKAGES.get(old)
    return f"{PKG}.{target.replace('/', '.')}" if target else f"{PKG}.{old}"


def wings() -> list[str]:
    return sorted({t.split("/")[0] for t in [*MAPPING.values(), *PACKAGES.values()]})


def run_git(*args: str) -> None:
    subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True)


def move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_git("mv", str(src.relative_to(ROOT)), str(dst.relative_to(ROOT)))
    except subprocess.CalledProcessError:
        src.rename(dst)  # untracked (a file the integrator has not added yet)


@dataclass
class Inventory:
    to_move: list[str]        # flat modules in MAPPING, present
    packages: list[str]       # flat packages in PACKAGES, present
    data_dirs: list[str]
    unknown: list[str]        # flat modules and packages nobody mapped
    moved: list[str]          # mapped modules already at their new place
    sets: list[str]           # benchmarks/<set> dirs still beside the scripts

    @property
    def nothing_to_do(self) -> bool:
        return not (self.to_move or self.packages or self.data_dirs or self.sets)


def inventory() -> Inventory:
    g = ROOT / PKG
    to_move, unknown, moved, packages, data_dirs = [], [], [], [], []
    for path in sorted(g.glob("*.py")):
        name = path.stem
        if name in STAY:
            continue
        target = MAPPING.get(name)
        if target is None:
            unknown.append(f"{PKG}/{path.name}")
        elif (g / f"{target}.py").exists():
            if name in AUTHOR_API and name != "course":
                moved.append(name)  # the author-facing alias left at the old path
            else:
                unknown.append(f"{PKG}/{path.name} (also at {PKG}/{target}.py)")
        else:
            to_move.append(name)
    for path in sorted(p for p in g.iterdir() if p.is_dir() and p.name != "__pycache__"):
        name = path.name
        if name in wings() or name == "course_data":
            continue
        if name in PACKAGES:
            packages.append(name)
        elif name in DATA_DIRS:
            data_dirs.append(name)
        else:
            unknown.append(f"{PKG}/{name}/")
    for name, target in MAPPING.items():
        if (g / f"{target}.py").exists() and name not in to_move:
            moved.append(name)
    bench = ROOT / "benchmarks"
    sets = sorted(p.name for p in bench.iterdir() if p.is_dir() and SET_PATTERN.match(p.name)) \
        if bench.is_dir() else []
    return Inventory(to_move, packages, data_dirs, unknown, sorted(set(moved)), sets)


# ---------------------------------------------------------------------------------------
# Import rewriting.
def old_package_of(rel: Path) -> str | None:
    """The package a file is in on the flat tree (for resolving its relative imports)."""
    if rel.parts[0] != PKG:
        return None
    return ".".join(rel.parts[:-1])


def new_module_of(rel: Path) -> str | None:
    """The dotted name a file has after the move (None outside grader/)."""
    if rel.parts[0] != PKG:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if len(parts) == 2 and parts[1] in MAPPING:
        return new_dotted(parts[1])
    if len(parts) >= 3 and parts[1] in PACKAGES:
        return new_dotted(parts[1]) + "." + ".".join(parts[2:])
    return ".".join(parts)


def new_package_of(rel: Path) -> str | None:
    mod = new_module_of(rel)
    if mod is None:
        return None
    return mod if rel.name == "__init__.py" else mod.rsplit(".", 1)[0]


def relocate(module: str) -> str:
    """An absolute old module name -> its new name (unchanged if not a moved one)."""
    parts = module.split(".")
    if parts[0] != PKG or len(parts) < 2:
        return module
    if parts[1] in MAPPING and len(parts) == 2:
        return new_dotted(parts[1])
    if parts[1] in PACKAGES:
        return ".".join([new_dotted(parts[1]), *parts[2:]])
    return module


def is_old_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == PKG and len(parts) >= 2 and (parts[1] in MAPPING or parts[1] in PACKAGES) \
        and (len(parts) == 2 or parts[1] in PACKAGES)


def relative(from_package: str, target: str) -> str:
    """`target` (absolute) as seen from `from_package`: 'grader.verdict' + 'grader.course.loader'
    -> '..course.loader'."""
    a, b = from_package.split("."), target.split(".")
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    return "." * (len(a) - common + 1) + ".".join(b[common:])


def render_from(module: str, names: list[ast.alias], indent: str, inside: str | None) -> str:
    mod = relative(inside, module) if inside else module
    items = [a.name + (f" as {a.asname}" if a.asname else "") for a in names]
    line = f"from {mod} import {', '.join(items)}"
    if len(indent) + len(line) > 110 and len(items) > 1:
        line = f"from {mod} import (\n" + "".join(f"{indent}    {i},\n" for i in items) + f"{indent})"
    return line


def rewrite_imports(rel: Path, text: str) -> str:
    """Every import of a grader module in one file, at its new place; the rest untouched."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, RecursionError, ValueError):
        return text  # a deliberately broken or hostile file (tests/attacks): not ours to parse
    old_pkg, new_pkg = old_package_of(rel), new_package_of(rel)
    inside = new_pkg  # inside grader/: relative imports; outside: absolute
    public_user = rel.parts[0] != PKG  # outside grader/: author-facing paths stay
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if old_pkg is None:
                    continue
                base = old_pkg.split(".")[: len(old_pkg.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != PKG:
                continue
            groups: dict[str, list[ast.alias]] = {}
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                if is_old_module(sub):  # `from . import confine`: a module, by name
                    new = relocate(sub)
                    groups.setdefault(new.rsplit(".", 1)[0], []).append(
                        ast.alias(name=new.rsplit(".", 1)[1],
                                  asname=alias.asname or (alias.name if new.rsplit(".", 1)[1] != alias.name else None)))
                    continue
                target = module
                if is_old_module(module):
                    short = module.split(".")[1]
                    keep = public_user and short in AUTHOR_API and (
                        AUTHOR_API[short] is None or alias.name in AUTHOR_API[short])
                    if not keep:
                        target = relocate(module)
                groups.setdefault(target, []).append(alias)
            indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)
            # An import whose every name stays where it was, in a file that does not move
            # and was absolute already, keeps its exact text.
            rendered = ("\n" + indent).join(render_from(m, names, indent, inside) for m, names in groups.items())
            if not inside and list(groups) == [module] and not node.level:
                continue
            if _same_import(ast.get_source_segment(text, node) or "", rendered):
                continue
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, rendered))
        elif isinstance(node, ast.Import):
            changed = False
            items = []
            for alias in node.names:
                name = alias.name
                short = name.split(".")[1] if name.count(".") >= 1 and name.split(".")[0] == PKG else None
                if is_old_module(name) and not (rel.parts[0] != PKG and short in AUTHOR_API
                                                and AUTHOR_API[short] is None):
                    name, changed = relocate(name), True
                items.append(name + (f" as {alias.asname}" if alias.asname else ""))
            if changed:
                edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                              "import " + ", ".join(items)))
    if not edits:
        return text
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out = text
    for lineno, col, end_lineno, end_col, new in sorted(edits, reverse=True):
        start = offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())
        end = offsets[end_lineno - 1] + len(lines[end_lineno - 1].encode()[:end_col].decode())
        out = out[:start] + new + out[end:]
    return out


def _same_import(a: str, b: str) -> bool:
    return re.sub(r"[\s()]+|,\s*\)", "", a) == re.sub(r"[\s()]+|,\s*\)", "", b)


# ---------------------------------------------------------------------------------------
# Text rewriting: file paths, dotted names, benchmark sets.
def _wing_children(old: str) -> list[str]:
    """Names that may follow `grader.<old>.` once `grader.<old>` is a wing (idempotence)."""
    target = MAPPING.get(old)
    if not target or old not in wings():
        return []
    wing = old
    return sorted({t.split("/", 1)[1] for t in [*MAPPING.values(), *PACKAGES.values()] if t.startswith(wing + "/")})


def rewrite_text(text: str) -> str:
    for old in sorted({*MAPPING, *PACKAGES, *DATA_DIRS}, key=len, reverse=True):
        new_path = (MAPPING.get(old) or PACKAGES.get(old) or DATA_DIRS.get(old))
        if old in MAPPING:
            text = re.sub(rf"(?<![\w.-]){PKG}/{old}\.py\b", f"{PKG}/{new_path}.py", text)
        else:
            text = re.sub(rf"(?<![\w.-]){PKG}/{old}(?![\w.-])", f"{PKG}/{new_path}", text)
        if old in DATA_DIRS:
            continue
        new = new_dotted(old)
        children = _wing_children(old)
        not_child = rf"(?!\.(?:{'|'.join(children)})\b)" if children else ""
        if old in AUTHOR_API:
            # public path: stays, but a sys.modules lookup needs the real name
            text = re.sub(rf"(sys\.modules\[[\"']){PKG}\.{old}([\"']\])", rf"\g<1>{new}\g<2>", text)
            served = AUTHOR_API[old]
            if served is not None:  # `grader.course.Course`: not served by the wing -> loader
                keep = "|".join(sorted({*served, *children}))
                text = re.sub(rf"(?<![\w.]){PKG}\.{old}\.(?!(?:{keep})\b)(?=[A-Za-z_])", new + ".", text)
            continue
        text = re.sub(rf"(?<![\w.]){PKG}\.{old}(?![\w]){not_child}", new, text)
    text = re.sub(r"(?<![\w./-])benchmarks/(heldout\d*|tuning_\w+|results)(?![\w])",
                  rf"{SETS_DIR}/\g<1>", text)
    # package data named relative to the package: files("grader").joinpath("schema/...")
    for old, target in {**PACKAGES, **DATA_DIRS}.items():
        text = re.sub(rf"""(files\(["']{PKG}["']\)\.joinpath\(["']){old}(?=[/"'])""", rf"\g<1>{target}", text)
    # a grader file named relative to the package directory (tests/attacks: `_grader_file(
    # "diagnose.py")`, `GRADER / "report.py"`), and its cached bytecode
    for old, target in MAPPING.items():
        text = re.sub(rf"((?:_grader_file\(|GRADER / )[\"']){old}\.py([\"'])", rf"\g<1>{target}.py\g<2>", text)
        wing, new = target.split("/")
        text = re.sub(rf"(?<![\w.-]){PKG}/__pycache__/{old}\.", f"{PKG}/{wing}/__pycache__/{new}.", text)
    return text


def in_scope(rel: Path) -> bool:
    if rel.as_posix() in SKIP or "__pycache__" in rel.parts or ".git" in rel.parts:
        return False
    if rel.suffix not in TEXT_SUFFIXES or rel.name.endswith((".pt", ".pyc")):
        return False
    return True


def text_files() -> list[Path]:
    files = [ROOT / f for f in TEXT_FILES if (ROOT / f).exists()]
    for root in TEXT_ROOTS:
        base = ROOT / root
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file()]
    return sorted(p for p in set(files) if in_scope(p.relative_to(ROOT)))


def is_solution_set(rel: Path) -> bool:
    return len(rel.parts) >= 3 and rel.parts[0] == "benchmarks" and (
        SET_PATTERN.match(rel.parts[1]) or rel.parts[1] == "solution_sets")


# ---------------------------------------------------------------------------------------
# New files.
def alias_module(old: str) -> str:
    new = new_dotted(old)
    return (f'"""Author-facing path `{PKG}.{old}`, kept so that courses\' reference/ and problems/ '
            f'files keep\nworking (docs/authoring.md). The code lives in {new.replace(".", "/")}.py; '
            f'this module IS that module\n(same object in sys.modules), so nothing is copied. '
            f'Grader code imports `{new}`\n(import-linter forbids it this path)."""\n'
            f"import sys\n\nfrom {relative(PKG, new).rsplit('.', 1)[0] or '.'} import {new.rsplit('.', 1)[1]} as _module\n\n"
            f"sys.modules[__name__] = _module\n")


def alias_footer(old: str) -> str:
    """Registers the author-facing name wherever the module is loaded: a confined child
    cannot read grader/<old>.py, yet a reference run there (`grader validate` runs each
    reference as a solution) imports it by that name, as it could when the tree was flat."""
    return (f"\n\n# `{PKG}.{old}`, the author-facing path (docs/authoring.md), is this module too, even\n"
            f"# where grader/{old}.py cannot be read (a confined child).\n"
            f"import sys as _sys  # noqa: E402\n\n"
            f"_sys.modules.setdefault(\"{PKG}.{old}\", _sys.modules[__name__])\n")


def wing_init(wing: str) -> str:
    body = f'"""{WING_DOCS[wing]}"""\n'
    if wing == "course":
        body += ('\n\ndef __getattr__(name):\n'
                 '    """`from grader.course import sibling`: author-facing (reference/*.py), served\n'
                 '    from loader.py on first use."""\n'
                 '    if name == "sibling":\n'
                 '        from .loader import sibling\n\n'
                 '        return sibling\n'
                 '    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")\n')
    return body


def importlinter_block() -> str:
    layers = ",\n".join(f'    "{" | ".join(f"{PKG}.{w.strip()}" for w in layer.split("|"))}"' for layer in LAYERS)
    tops = [f"{PKG}.{m}" for m in sorted(STAY - {"__init__"})]
    not_sandbox = [*tops, *(f"{PKG}.{w}" for w in wings() if w != "sandbox")]
    not_alias = [*tops, *(f"{PKG}.{w}" for w in wings())]
    aliases = [f"{PKG}.{a}" for a, names in AUTHOR_API.items() if names is None]
    q = lambda xs: ", ".join(f'"{x}"' for x in xs)  # noqa: E731
    return IMPORTLINTER.format(layers=layers, not_sandbox=q(not_sandbox), not_alias=q(not_alias), aliases=q(aliases))


def update_pyproject(text: str) -> str:
    if "[tool.importlinter]" not in text:
        text = text.rstrip("\n") + "\n" + importlinter_block()
    if "import-linter" not in text.split("[tool.importlinter]")[0]:
        text = re.sub(r'^(test = \[.*)\]$', r'\1, "import-linter>=2.1"]', text, count=1, flags=re.M)
    return text


def update_readme(text: str) -> str:
    """The README's test command runs the contract, before the (slower) test suite."""
    def add(command: str) -> str:
        if "lint-imports" in command:
            return command
        if " && python -m pytest" in command:
            return command.replace(" && python -m pytest", " && lint-imports && python -m pytest", 1)
        return command + " && lint-imports"
    return re.sub(r"(<!-- test-command -->\n```bash\n)([^\n]*?)(\n```)",
                  lambda m: m.group(1) + add(m.group(2)) + m.group(3), text)


# ---------------------------------------------------------------------------------------
def check_file_uses(inv: Inventory) -> list[str]:
    problems = []
    for name in inv.to_move:
        text = (ROOT / PKG / f"{name}.py").read_text(encoding="utf-8")
        if "__file__" in text and name not in FILE_FIXES and name not in FILE_OK:
            problems.append(f"{PKG}/{name}.py uses __file__: add it to FILE_FIXES or FILE_OK")
        for old, _ in FILE_FIXES.get(name, []):
            if old not in text:
                problems.append(f"{PKG}/{name}.py: FILE_FIXES text not found: {old.strip()!r}")
        if name in FILE_FIXES and name not in FILE_OK:  # every use of __file__ must be fixed
            for number, line in enumerate(text.splitlines(), 1):
                if "__file__" in line and not any(old.strip() in line or line.strip() in old
                                                  for old, _ in FILE_FIXES[name]):
                    problems.append(f"{PKG}/{name}.py:{number} uses __file__ and no FILE_FIXES entry covers it")
    return problems


def report(inv: Inventory) -> int:
    if inv.unknown:
        print("relayout: grader modules the MAPPING does not know (add a line each to MAPPING in "
              "tools/relayout.py, then run again):", file=sys.stderr)
        for name in inv.unknown:
            print(f"  {name}", file=sys.stderr)
        return 1
    if inv.nothing_to_do:
        print("relayout: nothing to do (already in wings)")
        return 0
    if inv.moved and inv.to_move:
        print("relayout: some modules are in wings already and others still flat; refusing "
              f"(flat: {', '.join(inv.to_move)}). Move them by hand or re-apply on a flat tree.",
              file=sys.stderr)
        return 1
    problems = check_file_uses(inv)
    if problems:
        print("relayout: " + "\n  ".join(["modules that need a look:", *problems]), file=sys.stderr)
        return 1
    print(f"relayout: {len(inv.to_move)} modules, {len(inv.packages)} packages, {len(inv.data_dirs)} data "
          f"directories and {len(inv.sets)} benchmark sets to move; all known")
    for name in inv.to_move:
        print(f"  grader/{name}.py -> grader/{MAPPING[name]}.py")
    for name in [*inv.packages, *inv.data_dirs]:
        print(f"  grader/{name}/ -> grader/{(PACKAGES.get(name) or DATA_DIRS[name])}/")
    for name in inv.sets:
        print(f"  benchmarks/{name}/ -> {SETS_DIR}/{name}/")
    return 0


def apply(inv: Inventory) -> int:
    # 1. every text, rewritten while the tree is still flat (relative imports resolve there)
    new_texts: dict[Path, str] = {}
    for path in text_files():
        rel = path.relative_to(ROOT)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if is_solution_set(rel):
            new = re.sub(r"(?<![\w./-])benchmarks/(heldout\d*|tuning_\w+|results)(?![\w])",
                         rf"{SETS_DIR}/\g<1>", text)
        else:
            new = rewrite_imports(rel, text) if rel.suffix == ".py" else text
            new = rewrite_text(new)
        if rel.parts[0] == PKG and len(rel.parts) == 2 and rel.stem in FILE_FIXES and rel.stem in inv.to_move:
            for old, fixed in FILE_FIXES[rel.stem]:
                new = new.replace(old, fixed)
        if rel.parts[0] == PKG and len(rel.parts) == 2 and AUTHOR_API.get(rel.stem, 0) is None \
                and rel.stem in inv.to_move:
            new = new.rstrip("\n") + "\n" + alias_footer(rel.stem)
        if len(rel.parts) == 2 and rel.parts[0] == "benchmarks" and rel.suffix == ".py":
            new = BENCH_SET_JOIN.sub(r'\g<1>"solution_sets" / \g<2>\g<3>\g<2>', new)
        if rel.suffix == ".py" and not is_solution_set(rel):  # `REPO / "benchmarks" / "tuning_wrong"`
            new = BENCHMARKS_SET_JOIN.sub(r'\g<1>"solution_sets" / \g<2>\g<3>\g<2>', new)
        if rel.as_posix() == "pyproject.toml":
            new = update_pyproject(new)
        if rel.as_posix() == "README.md":
            new = update_readme(new)
        if new != text:
            new_texts[path] = new
    # 2. the moves
    g = ROOT / PKG
    destination: dict[Path, Path] = {}
    for name in inv.to_move:
        destination[g / f"{name}.py"] = g / f"{MAPPING[name]}.py"
    for name in inv.packages:
        for f in (g / name).rglob("*"):
            if f.is_file():
                destination[f] = g / PACKAGES[name] / f.relative_to(g / name)
    for name in inv.data_dirs:
        for f in (g / name).rglob("*"):
            if f.is_file():
                destination[f] = g / DATA_DIRS[name] / f.relative_to(g / name)
    for name in inv.sets:
        for f in (ROOT / "benchmarks" / name).rglob("*"):
            if f.is_file():
                destination[f] = ROOT / SETS_DIR / name / f.relative_to(ROOT / "benchmarks" / name)
    for wing in wings():
        (g / wing).mkdir(exist_ok=True)
    for name in [*inv.to_move]:
        move(g / f"{name}.py", destination[g / f"{name}.py"])
    for dirs, table, base in ((inv.packages, PACKAGES, g), (inv.data_dirs, DATA_DIRS, g),
                              (inv.sets, {s: f"solution_sets/{s}" for s in inv.sets}, ROOT / "benchmarks")):
        for name in dirs:
            dst = base / table[name]
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                run_git("mv", str((base / name).relative_to(ROOT)), str(dst.relative_to(ROOT)))
            except subprocess.CalledProcessError:
                (base / name).rename(dst)
    for name in [*inv.packages, *inv.data_dirs]:  # left behind: caches only
        if (g / name).is_dir():
            shutil.rmtree(g / name)
    # 3. the rewritten texts, at their new places
    for path, text in new_texts.items():
        target = destination.get(path, path)
        if "__pycache__" in target.parts:
            continue
        target.write_text(text, encoding="utf-8")
    # 4. wing __init__ files, author-facing aliases
    for wing in wings():
        init = g / wing / "__init__.py"
        if not init.exists():
            init.write_text(wing_init(wing), encoding="utf-8")
    for old, names in AUTHOR_API.items():
        if names is None and old in inv.to_move:
            (g / f"{old}.py").write_text(alias_module(old), encoding="utf-8")
    for stale in g.rglob("__pycache__"):
        for f in stale.glob("*.pyc"):
            f.unlink()
    run_git("add", "-A", *[r for r in [*TEXT_ROOTS, *TEXT_FILES, "pyproject.toml"] if (ROOT / r).exists()])
    print(f"relayout: moved {len(inv.to_move)} modules into {len(wings())} wings; rewrote {len(new_texts)} files")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="list what would move; fail on unknown modules")
    mode.add_argument("--apply", action="store_true", help="move, rewrite, write wings and the contract")
    args = parser.parse_args(argv)
    inv = inventory()
    status = report(inv)
    if status or inv.nothing_to_do or args.check:
        return status
    return apply(inv)


if __name__ == "__main__":
    sys.exit(main())
