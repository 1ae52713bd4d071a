"""Authoring: the docs/authoring.md walkthrough (scaffold rms-norm, fill it in from the
doc's own files, validate), and courses that extend or replace shipped problems."""

import re

import pytest
from click.testing import CliRunner

from conftest import REPO
from grader.instructor.authoring import copy_problem, new_problem, target_course
from grader.cli import main
from grader.course.loader import Course, CourseError
from grader.instructor.validate import validate_course

DOC = REPO / "docs" / "authoring.md"
FILE_BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n(?P<fence>`{3,}|~{3,})[^\n]*\n(?P<body>.*?)\n(?P=fence)\n",
                        re.DOTALL)


def doc_files() -> dict[str, str]:
    return {m["path"]: m["body"] + "\n" for m in FILE_BLOCK.finditer(DOC.read_text(encoding="utf-8"))}


def findings(validation) -> str:
    return "\n".join(f"{f.level} ({f.check}) {f.message}" for f in validation.findings)


def test_walkthrough_scaffold_fill_in_validate(tmp_path, sandbox):
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "new", "rms-norm", "--title", "RMS normalisation"])
    assert result.exit_code == 0, result.output
    [scaffold] = validate_course(Course(tmp_path), ["rms-norm"], sandbox)
    assert not scaffold.ok
    assert any(f.check == "scaffold" and f.message.startswith("problems/rms-norm/README.md:3:")
               for f in scaffold.findings), findings(scaffold)

    files = doc_files()
    assert set(files) == {"problems/rms-norm/problem.toml", "problems/rms-norm/README.md",
                          "problems/rms-norm/stub.py", "reference/rms_norm.py"}
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    [done] = validate_course(Course(tmp_path), ["rms-norm"], sandbox)
    assert done.ok and not done.warnings, findings(done)


def test_new_refuses_to_overwrite_and_bad_slugs(tmp_path):
    new_problem(tmp_path, "rms-norm", course=Course(tmp_path))
    with pytest.raises(CourseError, match="already exists"):
        new_problem(tmp_path, "rms-norm", course=Course(tmp_path))
    with pytest.raises(CourseError, match="not a slug"):
        new_problem(tmp_path, "RMS_norm", course=Course(tmp_path))


def test_new_writes_into_the_course_around_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "course" / "problems").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "course" / "problems")
    assert target_course(None) == (tmp_path / "course").resolve()
    monkeypatch.chdir(tmp_path / "elsewhere")
    with pytest.raises(CourseError, match="no course here"):
        target_course(None)


def test_new_problem_is_ordered_after_the_last(tmp_path):
    new_problem(tmp_path, "rms-norm", course=Course(tmp_path))
    course = Course(tmp_path)
    assert list(course)[-1].slug == "rms-norm"
    assert course.get("rms-norm").order == max(p.order for p in course if p.slug != "rms-norm") + 1


def test_a_course_replaces_a_shipped_problem_slug_by_slug(tmp_path):
    copy_problem(Course(), "layer-norm", tmp_path)
    toml = tmp_path / "problems" / "layer-norm" / "problem.toml"
    toml.write_text(toml.read_text().replace('title = "Layer normalisation"', 'title = "Our layer norm"'))
    course = Course(tmp_path)
    assert course.get("layer-norm").title == "Our layer norm"
    assert course.get("layer-norm").root == tmp_path.resolve()
    assert course.get("gelu").root != tmp_path.resolve()  # the other shipped problems stay


def test_copy_of_brings_the_reference_siblings(tmp_path):
    copy_problem(Course(), "gelu", tmp_path)  # reference/gelu.py loads sibling(__file__, "_model")
    assert (tmp_path / "reference" / "_model.py").exists()
    assert Course(tmp_path).get("gelu").reference.gelu is not None


def test_grader_course_env_adds_a_course(tmp_path, monkeypatch):
    new_problem(tmp_path, "rms-norm", course=Course(tmp_path))
    assert "rms-norm" not in Course().problems
    monkeypatch.setenv("GRADER_COURSE", str(tmp_path))
    assert Course().get("rms-norm").root == tmp_path.resolve()
