"""The learner's package: this grader with a bundle's public problems and no reference.

A wheel built from the course repository carries the hidden references (pyproject.toml
force-includes reference/). The learner's bundle instead carries `llm-puzzles-learner`,
the grader's own modules plus the bundle's problems (statements, stubs, hints, probes,
public judges, fixtures.pt) as `grader/course_data`, which the grader finds as its
shipped course once installed. That is the package one would publish for learners;
instructors keep the course repository.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..course.loader import PACKAGE_DIR, CourseError
from .wheel import WheelSpec, write_wheel

LEARNER_NAME = "llm-puzzles-learner"
# The grader's own dependencies (pyproject.toml's [project] dependencies; a test keeps them equal).
LEARNER_DEPENDENCIES = ("torch>=2.2,<3", "numpy>=1.24", "click>=8.1", "rich>=13")
REQUIRES_PYTHON = ">=3.11"
COURSE_DATA = "grader/course_data"


def learner_spec(readme: str = "") -> WheelSpec:
    """The learner's distribution: its name, the grader's version, the `grader` command."""
    return WheelSpec(name=LEARNER_NAME, version=__version__,
                     summary="The LLM puzzles grader for learners: public problems and fixtures, no references.",
                     requires_python=REQUIRES_PYTHON, dependencies=LEARNER_DEPENDENCIES,
                     console_scripts=(("grader", "grader.entry:main"),), readme=readme)


def _skipped(relative: Path) -> bool:
    """Caches, and any course data beside the package (an installed wheel's references)."""
    return relative.parts[0] == "course_data" or "__pycache__" in relative.parts or relative.suffix == ".pyc"


def grader_source_files() -> dict[str, bytes]:
    """The grader's modules (archive name -> bytes), without any course data."""
    files = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR)
        if not _skipped(relative):
            files[f"grader/{relative.as_posix()}"] = path.read_bytes()
    return files


def course_files(problems_dir: Path, slugs: list[str]) -> dict[str, bytes]:
    """The bundle's problems as the package's shipped course (archive name -> bytes)."""
    files = {}
    for slug in slugs:
        for path in sorted((problems_dir / slug).rglob("*")):
            relative = path.relative_to(problems_dir)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
                files[f"{COURSE_DATA}/problems/{relative.as_posix()}"] = path.read_bytes()
    return files


def refuse_references(files: dict[str, bytes]) -> None:
    """The package must never carry a reference directory, however the course was laid out."""
    leaked = [name for name in files if "reference" in Path(name).parts[:-1]]
    if leaked:
        raise CourseError(f"the learner's package would hold references ({', '.join(leaked[:3])}); refusing")


def build_learner_wheel(bundle_dir: Path, slugs: list[str], readme: str) -> Path:
    """Write the learner's wheel into bundle_dir, replacing any earlier one; returns its path."""
    bundle_dir = Path(bundle_dir)
    for stale in bundle_dir.glob(f"{learner_spec().normalised_name}-*.whl"):
        stale.unlink()
    files = {**grader_source_files(), **course_files(bundle_dir / "problems", slugs)}
    refuse_references(files)
    return write_wheel(learner_spec(readme), files, bundle_dir)
