"""grader validate: each kind of flaw in a problem is found and says what to fix.
The problem under test is the rms-norm of docs/authoring.md, broken one way at a time."""

from click.testing import CliRunner

from test_authoring import doc_files
from grader.cli import main
from grader.course.loader import Course
from grader.instructor.validate import validate_course, validate_problem


def course_with(root, edits: dict[str, tuple[str, str]] | None = None) -> Course:
    """The walkthrough's rms-norm in a course at `root`, with `old -> new` edits per file."""
    return Course(write_course(root, edits))


def write_course(root, edits: dict[str, tuple[str, str]] | None = None):
    for rel, text in doc_files().items():
        if rel in (edits or {}):
            old, new = edits[rel]
            assert old in text, f"{old!r} not in {rel}"
            text = text.replace(old, new)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def errors(course, sandbox, check: str) -> list[str]:
    [v] = validate_course(course, ["rms-norm"], sandbox)
    return [f.message for f in v.errors if f.check == check]


REF = "reference/rms_norm.py"


def test_shipped_layer_norm_is_valid(sandbox):
    course = Course()
    v = validate_problem(course, course.get("layer-norm"), sandbox)
    assert v.ok, [f.message for f in v.errors]


def test_a_reference_built_on_sibling_files_passes_its_own_check_in_the_sandbox(sandbox):
    # gelu's reference loads reference/_model.py by path; in the confined child that
    # folder is not on disk, and the sibling is served as a workspace module instead.
    course = Course()
    v = validate_problem(course, course.get("gelu"), sandbox)
    assert v.ok, [f.message for f in v.errors]


def test_a_mistake_that_equals_the_reference_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ("    return x / torch.sqrt((x * x).mean() + eps)",
                                          "    return rms_norm(x, eps)")})
    found = errors(course, sandbox, "mistakes")
    assert any("'normalised over all elements' passes every case at seed 0" in m for m in found), found


def test_cases_from_the_global_rng_are_not_deterministic(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ('{"x": randn(g("1d"), 32)}', '{"x": torch.randn(32)}')})
    found = errors(course, sandbox, "cases")
    assert any("case '1-D vector' is not deterministic" in m and "generator(seed, name)" in m for m in found), found


def test_cases_that_ignore_the_seed_are_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ("        return generator(seed, name)", "        return generator(0, name)")})
    found = errors(course, sandbox, "cases")
    assert any("cases(0) and cases(1) are identical" in m for m in found), found


def test_a_misspelt_banned_name_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {"problems/rms-norm/problem.toml": ('banned = ["torch.rms_norm"]',
                                                                      'banned = ["torch.rms_normm"]')})
    found = errors(course, sandbox, "config")
    assert any("banned name `torch.rms_normm` does not resolve" in m for m in found), found


def test_a_reference_using_a_banned_api_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ("    ms = (x * x).mean(dim=-1, keepdim=True)  # mean of squares over the last dimension\n"
                                          "    return x / torch.sqrt(ms + eps)",
                                          "    return torch.nn.functional.rms_norm(x, x.shape[-1:], eps=eps)")})
    assert any("uses banned `torch.nn.functional.rms_norm`" in m for m in errors(course, sandbox, "reference bans"))


def test_a_stub_that_does_not_raise_not_implemented_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {"problems/rms-norm/stub.py": ('    raise NotImplementedError("rms-norm: implement rms_norm(x, eps)")',
                                                                  "    return x")})
    found = errors(course, sandbox, "stub fails")
    assert any("should fail by raising NotImplementedError" in m for m in found), found


def test_a_config_that_does_not_parse_fails_validate_with_its_path(tmp_path):
    write_course(tmp_path, {"problems/rms-norm/problem.toml": ('title = "RMS normalisation"', 'title = "RMS')})
    result = CliRunner().invoke(main, ["--course", str(tmp_path), "validate", "rms-norm"])
    assert result.exit_code == 1
    assert "problems/rms-norm/problem.toml: invalid TOML" in result.output.replace("\n", "")


def test_a_public_judge_that_loads_the_reference_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path)
    (tmp_path / "problems" / "rms-norm" / "judge.py").write_text(
        "from grader.compare import compare_tensors\n"
        "from grader.course import sibling\n\n\n"
        "def judge(case, value, tol, expected):\n"
        "    ref = sibling(__file__, 'rms_norm')\n"
        "    return compare_tensors(ref.rms_norm(**case.pristine_inputs()), value['output'], *tol)\n")
    found = errors(course, sandbox, "public judge")
    assert any("`from grader.course import sibling`" in m for m in found), found
    assert any(":6: uses `sibling`" in m for m in found), found


def test_a_clean_public_judge_passes_and_gets_the_references_expected(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ("\n\ndef _centred", "\n\ndef expected(case):\n"
                                          "    return {'y': rms_norm(**case.pristine_inputs())}\n\n\ndef _centred")})
    (tmp_path / "problems" / "rms-norm" / "judge.py").write_text(
        "from grader.compare import compare_tensors\n\n\n"
        "def judge(case, value, tol, expected):\n"
        "    return compare_tensors(expected['y'], value['output'], *tol)\n")
    [v] = validate_course(course, ["rms-norm"], sandbox)
    assert v.ok and v.status("public judge") == "ok", [f.message for f in v.errors]
    assert v.status("mistakes") == "ok"  # every known mistake still rejected, through the public judge


STUB = "problems/rms-norm/stub.py"
STATEMENT = "problems/rms-norm/README.md"


def test_a_stub_default_that_differs_from_the_reference_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {STUB: ("eps: float = 1e-5", "eps: float = 1e-6")})
    [found] = errors(course, sandbox, "signature")
    assert found.startswith("problems/rms-norm/stub.py writes `rms_norm(x, eps=1e-06)`")
    assert "reference/rms_norm.py has `rms_norm(x, eps=1e-05)`" in found
    assert "the default of `eps` is 1e-06 instead of 1e-05" in found


def test_a_statement_signature_that_differs_from_the_reference_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {STATEMENT: ("def rms_norm(x: torch.Tensor, eps: float = 1e-5)",
                                                "def rms_norm(eps: float, x: torch.Tensor)")})
    [found] = errors(course, sandbox, "signature")
    assert found.startswith("problems/rms-norm/README.md shows `rms_norm(eps, x)`")
    assert "parameters (eps, x) instead of (x, eps)" in found


def test_matching_signatures_pass_and_the_cli_names_the_file(tmp_path, sandbox):
    [v] = validate_course(course_with(tmp_path / "good"), ["rms-norm"], sandbox)
    assert v.status("signature") == "ok"
    root = write_course(tmp_path / "bad", {STUB: ("eps: float = 1e-5", "eps: float = 1e-6")})
    result = CliRunner().invoke(main, ["--course", str(root), "validate", "rms-norm"], env={"COLUMNS": "300"})
    assert result.exit_code == 1 and "problems/rms-norm/stub.py writes `rms_norm(x, eps=1e-06)`" in result.output


def test_every_shipped_problem_shows_one_signature_in_stub_statement_and_reference():
    from grader.instructor.signature import from_source, from_statement

    for p in Course():
        stub = from_source(p.stub_path.read_text(), p.entry)
        shown = from_statement(p.statement_path.read_text(), p.entry)  # multi-line defs, class blocks
        reference = from_source(p.reference_path.read_text(), p.entry)
        assert stub and stub == shown == reference, (p.slug, stub, shown, reference)


def test_a_property_the_reference_breaks_is_reported(tmp_path, sandbox):
    """validate runs the evidence layer on the reference: a right solution must never be diagnosed."""
    course_with(tmp_path)
    (tmp_path / "problems" / "rms-norm" / "properties.py").write_text(
        "import torch\n"
        "from grader.properties import Broken, Property\n\n\n"
        "def never(outs, trials):\n"
        "    return Broken('the output is not all zeros', 'the output is not zero') if outs[0] is not None else None\n\n\n"
        "def properties(seed):\n"
        "    return [Property('all zeros', ({'x': torch.ones(2, 4)},), never, 'not zero', 'a row of ones')]\n")
    found = errors(Course(tmp_path), sandbox, "evidence")
    assert any("the reference itself is diagnosed by the evidence layer" in m and "the output is not zero" in m
               for m in found), found


def test_a_shipped_reference_breaks_none_of_its_properties_or_stages(sandbox):
    course = Course()
    v = validate_problem(course, course.get("reverse-embedding"), sandbox)
    assert "evidence" in v.ran and not [f for f in v.errors if f.check == "evidence"]


# --------------------------------------------------------------------------- beyond foreseen mistakes
STATEMENT = "problems/rms-norm/README.md"
CONFIG = "problems/rms-norm/problem.toml"


def test_a_worked_example_that_contradicts_the_reference_fails(tmp_path, sandbox):
    course = course_with(tmp_path, {STATEMENT: ("tensor([0.8485, 1.1314])", "tensor([0.6000, 0.8000])")})
    found = errors(course, sandbox, "examples")
    assert any("README.md:" in m and "tensor([0.6000, 0.8000])" in m and "tensor([0.8485, 1.1314])" in m
               for m in found), found


def _weak_cases(tmp_path):
    """The walkthrough with cases too weak for one slip nobody listed: without tiny values and
    float64, doubling the default eps moves no output beyond the tolerance."""
    course = course_with(tmp_path, {REF: ('randn(g("tiny"), 4, 64, scale=1e-3)', 'randn(g("tiny"), 4, 64)')})
    ref = tmp_path / REF
    ref.write_text(ref.read_text().replace("dtype=torch.float64, scale=2.0", "scale=2.0"))
    return course


def test_cases_too_weak_for_a_slip_nobody_listed_fail_with_the_survivor_named(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    course = _weak_cases(tmp_path)
    [v] = validate_course(course, ["rms-norm"], sandbox)
    found = [f.message for f in v.errors if f.check == "variants"]
    doubled = [s for s in v.variants["survivors"] if s["description"] == "a numeric constant doubled in the solution"]
    assert doubled and doubled[0]["id"].startswith("constant-") and doubled[0]["accepted"] is None
    assert any("these survivors are not accepted" in m and f"{doubled[0]['id']}: a numeric constant doubled in the "
               "solution" in m for m in found), found
    assert v.variants["survived"] >= 1 and v.variants["score"] < 1.0

    # Accepting every survivor by its id (with an argument) passes the check; an id that names
    # no survivor is a warning to remove it.
    lines = "".join(f'"{s["id"]}" = "legitimate: argued in the test"\n' for s in v.variants["survivors"])
    toml = tmp_path / CONFIG
    toml.write_text(toml.read_text() + '\n[variants.accept]\n' + lines + '"constant-00000000" = "equivalent: stale"\n')
    [v] = validate_course(Course(tmp_path), ["rms-norm"], sandbox)
    assert not [f for f in v.errors if f.check == "variants"], v.errors
    assert any(f.level == "warning" and "`constant-00000000` names no surviving variant" in f.message
               for f in v.findings), v.findings
    assert v.variants["accepted"] == v.variants["survived"] and v.variants["score_after_accepted"] == 1.0
    assert v.variants["stale_accepted"] == ["constant-00000000"]
    assert all(s["accepted"] == "legitimate: argued in the test" for s in v.variants["survivors"])


def test_an_accepted_survivor_needs_a_one_line_argument(tmp_path):
    import pytest

    from grader.course.errors import CourseError

    write_course(tmp_path)
    toml = tmp_path / CONFIG
    toml.write_text(toml.read_text() + '\n[variants.accept]\n"constant-12345678" = "fine"\n')
    with pytest.raises(CourseError, match="starting with \"legitimate:\" or \"equivalent:\""):
        Course(tmp_path)


def test_an_unchanged_problem_is_read_back_and_a_changed_one_validated_again(tmp_path, sandbox, monkeypatch):
    from grader.instructor import validate as validate_module

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    course = course_with(tmp_path)
    first = validate_problem(course, course.get("rms-norm"), sandbox, use_cache=True)
    assert not first.cached and first.ok

    def no_run(*args, **kwargs):
        raise AssertionError("an unchanged problem was validated again")

    monkeypatch.setattr(validate_module._Validator, "run", no_run)
    again = validate_problem(course, course.get("rms-norm"), lambda: no_run(), use_cache=True)
    assert again.cached and again.ok and again.findings == first.findings and again.variants == first.variants
    monkeypatch.undo()
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    statement = tmp_path / STATEMENT
    statement.write_text(statement.read_text().replace("tensor([0.8485, 1.1314])", "tensor([0.6000, 0.8000])"))
    changed = validate_problem(Course(tmp_path), Course(tmp_path).get("rms-norm"), sandbox, use_cache=True)
    assert not changed.cached and changed.status("examples") == "error"


def test_a_tolerance_too_tight_for_a_correct_float64_computation_fails(tmp_path, sandbox):
    course = course_with(tmp_path, {CONFIG: ("float32 = { atol = 1e-5, rtol = 1e-4 }",
                                             "float32 = { atol = 1e-9, rtol = 0 }")})
    found = errors(course, sandbox, "tolerance")
    assert any("the reference computed in float64 inside is correct but fails case" in m for m in found), found


def test_a_trivial_answer_earning_credit_fails(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ('torch.cat([torch.zeros(1, 8), randn(g("zeros"), 1, 8)])',
                                          "torch.zeros(2, 8)")})
    found = errors(course, sandbox, "trivial answers")
    assert any(m.startswith("returning zeros scores 0.14") and "'edge: a row of zeros'" in m for m in found), found


def test_the_walkthrough_passes_every_new_check(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    [v] = validate_course(course_with(tmp_path), ["rms-norm"], sandbox)
    assert v.ok, [f.message for f in v.errors]
    assert v.variants["rejected"] > 20 and v.variants["score"] == 1.0
    assert v.trivial == {"zeros": 0.0, "a constant": 0.0, "noise": 0.0, "the input echoed": 0.0}


def test_a_non_contiguous_input_with_no_other_layout_is_reported(tmp_path, sandbox):
    course = course_with(tmp_path, {REF: ('{"x": randn(g("1d"), 32)}, "one vector, no batch dimension"',
                                          '{"x": randn(g("1d"), 1, 32)}, "one vector, no batch dimension", '
                                          'options={"non_contiguous": ["x", "y"]}')})
    found = errors(course, sandbox, "cases")
    assert any("input `x` of shape (1, 32) has no other layout" in m for m in found), found
    assert any("names `y`, which is not a tensor input" in m for m in found), found
