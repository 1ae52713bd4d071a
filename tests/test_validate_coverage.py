"""Case coverage as mutation (grader/evidence/coverage_sites.py, grader/verdict/case_coverage.py)
and the text's claims (grader/instructor/text_claims.py): problems written here, each broken
one way of its own (not the benchmark sets' kinds), beside its unbroken control.

- clip-rows: rows rescaled to at most `max_norm`; broken: no row's norm ever exceeds it
  (the `if`/`where` never takes its other side).
- softcap: `cap * tanh(x / cap)` with a `causal` flag masking the future; broken: no case
  passes `causal=True` (an argument the cases never vary).
- pool: a masked mean; broken: every case's mask is all ones (a tensor argument filled
  with one value) and, separately, the statement says the result is `(N, d)` where the
  reference keeps a singleton axis.
- scale-heads: broken: the statement says `scale` defaults to `2.0`, the reference says 1.0.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.course.loader import Course
from grader.instructor.text_claims import claim_findings
from grader.verdict.case_coverage import coverage_variants

TOML = """title = "{title}"
order = {order}
entry = "{entry}"
banned = []
hints = ["Read the statement."]
"""


def write_problem(root: Path, slug: str, entry: str, reference: str, readme: str, stub_doc: str, order: int = 30):
    module = slug.replace("-", "_")
    (root / "problems" / slug).mkdir(parents=True, exist_ok=True)
    (root / "reference").mkdir(exist_ok=True)
    (root / "problems" / slug / "problem.toml").write_text(TOML.format(title=slug, order=order, entry=entry))
    (root / "problems" / slug / "README.md").write_text(textwrap.dedent(readme))
    ref = textwrap.dedent(reference)
    header = ref.split("\n\n")[0]
    (root / "problems" / slug / "stub.py").write_text(
        f'"""{slug}."""\n\nimport torch\n\n\n{header.split(":")[0]}:\n    """{stub_doc}"""\n'
        f'    raise NotImplementedError("{slug}: implement {entry}")\n')
    (root / "reference" / f"{module}.py").write_text("import torch\n\nfrom grader.cases import Case, generator, randn\n\n\n"
                                                      + ref)
    return root


CLIP = """\
def clip_rows(x, max_norm):
    norm = x.norm(dim=-1, keepdim=True)
    return torch.where(norm > max_norm, x * (max_norm / norm), x)


def cases(seed):
    g = lambda name: generator(seed, name)
    return [Case("rows (4, 8)", {"x": randn(g("a"), 4, 8, scale={scale}), "max_norm": 3.0}),
            Case("one row (1, 5)", {"x": randn(g("b"), 1, 5, scale={scale}), "max_norm": 2.5})]
"""

SOFTCAP = """\
def softcap(scores, cap, causal=False):
    out = cap * torch.tanh(scores / cap)
    if causal:
        T = out.shape[-1]
        out = out.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return out


def cases(seed):
    g = lambda name: generator(seed, name)
    return [Case("typical (2, 5, 5)", {"scores": randn(g("a"), 2, 5, 5, scale=20.0), "cap": 30.0}),
            Case("small cap (1, 4, 4)", {"scores": randn(g("b"), 1, 4, 4, scale=20.0), "cap": 5.0{causal}}),
            Case("short (2, 3, 3)", {"scores": randn(g("c"), 2, 3, 3, scale=20.0), "cap": 8.0{causal}})]
"""

POOL = """\
def pool(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(dim=1{keep}) / m.sum(dim=1{keep})


def cases(seed):
    g = lambda name: generator(seed, name)
    full = torch.ones(3, 6, dtype=torch.bool)
    return [Case("batch (3, 6, 4)", {"h": randn(g("a"), 3, 6, 4), "mask": {mask}}),
            Case("wide (2, 5, 16)", {"h": randn(g("b"), 2, 5, 16), "mask": torch.ones(2, 5, dtype=torch.bool)})]
"""
POOL_README = """\
# pool

`pool(h, mask)`: `h` has shape `(N, T, d)`, `mask` has shape `(N, T)`. Returns `(N, d)`: the mean
of `h` over the positions where `mask` is True.
"""

SCALE = """\
def scale_heads(x, scale=1.0):
    return x * scale


def cases(seed):
    g = lambda name: generator(seed, name)
    return [Case("default (2, 3)", {"x": randn(g("a"), 2, 3)}), Case("scale 3 (2, 3)", {"x": randn(g("b"), 2, 3), "scale": 3.0})]
"""


def course(tmp_path, *, clip_scale="1.1", causal="", pool_mask="(torch.rand(3, 6, generator=g('m')) < 0.7) | torch.eye(3, 6, dtype=torch.bool)",
           keep="", readme_default="`1.0`") -> Course:
    write_problem(tmp_path, "clip-rows", "clip_rows", CLIP.replace("{scale}", clip_scale),
                  "# clip rows\n\n`clip_rows(x, max_norm)`: `x` has shape `(N, d)`.\n", "x: (N, d) -> (N, d)", 30)
    write_problem(tmp_path, "softcap", "softcap", SOFTCAP.replace("{causal}", causal),
                  "# softcap\n\n`softcap(scores, cap, causal=False)`\n", "scores: (N, T, T)", 31)
    write_problem(tmp_path, "pool", "pool", POOL.replace("{keep}", keep).replace("{mask}", pool_mask), POOL_README,
                  "h: (N, T, d); mask: (N, T) -> (N, d)", 32)
    write_problem(tmp_path, "scale-heads", "scale_heads", SCALE,
                  f"# scale\n\n`scale_heads(x, scale=1.0)`: `scale` (default {readme_default}) multiplies `x`.\n",
                  "x: (N, d)", 33)
    return Course(tmp_path)


def survivors(c: Course, slug: str) -> list[str]:
    p = c.get(slug)
    _, found = coverage_variants(p, {s: list(p.reference.cases(s)) for s in (0, 1)})
    return [v.description for v in found]


def claims(c: Course, slug: str) -> list[str]:
    p = c.get(slug)
    return [f.message for f in claim_findings(p, list(p.reference.cases(0)), lambda path: Path(path).name)
            if f.level == "error"]


@pytest.mark.parametrize("slug", ["clip-rows", "softcap", "pool", "scale-heads"])
def test_the_controls_have_no_coverage_survivor_and_no_contradicted_claim(tmp_path, slug):
    c = course(tmp_path, causal=', "causal": True')
    assert survivors(c, slug) == []
    assert claims(c, slug) == []


def test_a_branch_the_cases_never_take_survives(tmp_path):
    # Small rows: no norm exceeds max_norm, so returning x unclipped passes every case.
    found = survivors(course(tmp_path, clip_scale="0.1"), "clip-rows")
    assert found == ["a `torch.where` choice replaced by its second value: its condition is false everywhere in "
                     "every case, so no case reaches the other value (in the solution)"], found


def test_an_argument_no_case_passes_survives_with_its_value(tmp_path):
    found = survivors(course(tmp_path), "softcap")
    assert "the argument `causal` hard-coded to False: no case passes another value (in the solution)" in found, found
    # and the `if causal:` it guards is never taken either
    assert any(d.startswith("an `if` test made always false") for d in found), found


def test_a_mask_of_ones_in_every_case_survives(tmp_path):
    found = survivors(course(tmp_path, pool_mask="full"), "pool")
    assert found == ["the argument `mask` replaced by a tensor of True everywhere: in every case each of its elements "
                     "is True, so a solution that ignores it passes (in the solution)"], found


def test_a_result_shape_the_statement_contradicts_is_an_error(tmp_path):
    found = claims(course(tmp_path, keep=", keepdim=True"), "pool")
    assert any(m.startswith("README.md:3: `Returns `(N, d)`` says the result is (N, d), but in case 'batch (3, 6, 4)' "
                            "it is (3, 1, 4)") for m in found), found
    assert any(m.startswith("stub.py:") and "-> (N, d)" in m for m in found), found


def test_a_default_in_words_that_differs_from_the_signature_is_an_error(tmp_path):
    found = claims(course(tmp_path, readme_default="`2.0`"), "scale-heads")
    assert found == ["README.md:3: says `scale` defaults to `2.0`, but the reference's default is `1.0`: fix the "
                     "text (or the reference)"], found


def test_a_case_name_whose_shape_is_not_its_input_is_an_error(tmp_path):
    course(tmp_path)
    ref = tmp_path / "reference" / "scale_heads.py"
    source = ref.read_text()
    ref.write_text(source.replace('Case("scale 3 (2, 3)", {"x": randn(g("b"), 2, 3)',
                                  'Case("scale 3 (2, 3, 4)", {"x": randn(g("b"), 2, 3, 5)'))
    found = claims(Course(tmp_path), "scale-heads")
    assert found[-1] == ("case 'scale 3 (2, 3, 4)' says (2, 3, 4) but its input of that rank has shape (2, 3, 5): the "
                         "case's name misdescribes it, or the case does not build what it means to (a size hard-coded "
                         "in the case's helper?)"), found
    assert found[0].startswith("stub.py:7: `x: (N, d)` says `x` is (N, d), but in case 'scale 3 (2, 3, 4)' it is "
                               "(2, 3, 5)"), found  # the 3-D input contradicts the stub too
    # Two numbers that agree with an input in only one place may be anything (positions, a range): not read.
    ref.write_text(source.replace('Case("scale 3 (2, 3)", {"x": randn(g("b"), 2, 3)',
                                  'Case("scale 3 (2, 3)", {"x": randn(g("b"), 2, 4)'))
    assert claims(Course(tmp_path), "scale-heads") == []


def test_a_size_the_cases_never_vary_survives_and_one_they_vary_does_not(tmp_path):
    c = course(tmp_path)
    ref = tmp_path / "reference" / "clip_rows.py"
    ref.write_text(ref.read_text().replace("    norm = x.norm(dim=-1, keepdim=True)\n",
                                           "    norm = x.norm(dim=-1, keepdim=True)\n    d, n = x.shape[-1], x.shape[0]\n"
                                           "    norm = norm + 0 * (d + n)\n"))
    found = survivors(Course(tmp_path), "clip-rows")
    assert found == [], found  # both cases differ in rows and width
    ref.write_text(ref.read_text().replace('randn(g("b"), 1, 5,', 'randn(g("b"), 1, 8,'))
    found = survivors(Course(tmp_path), "clip-rows")
    assert found == ["the size of axis -1 of `x` hard-coded to 8: no case has another value (in the solution)"], found


def test_a_clamp_that_never_binds_survives_but_a_rounding_guard_does_not(tmp_path):
    c = course(tmp_path)
    ref = tmp_path / "reference" / "pool.py"
    source = ref.read_text()
    ref.write_text(source.replace("/ m.sum(dim=1)", "/ m.sum(dim=1).clamp(min=1.0)"))
    found = survivors(Course(tmp_path), "pool")
    assert found == ["a clamp that never changes a value, dropped: no case reaches its bound (in the solution)"], found
    ref.write_text(source.replace("/ m.sum(dim=1)", "/ m.sum(dim=1).clamp(min=1e-12)"))
    assert survivors(Course(tmp_path), "pool") == []


SHIPPED_QUICK = ["layer-norm", "gelu", "attention", "transformer-block", "top-k", "top-p", "sample", "reverse-embedding"]


@pytest.mark.parametrize("slug", SHIPPED_QUICK)
def test_shipped_problems_have_no_unaccepted_coverage_survivor(slug):
    c = Course()
    p = c.get(slug)
    units, found = coverage_variants(p, {s: list(p.reference.cases(s)) for s in (0, 1)})
    from grader.evidence.variant_ids import variant_id

    assert [v.description for v in found if variant_id(units, v) not in p.spec.variants.accept] == []


@pytest.mark.parametrize("slug", [p.slug for p in Course()])
def test_shipped_problems_make_no_contradicted_shape_or_default_claim(slug):
    assert claims(Course(), slug) == []


def test_validate_fails_on_a_coverage_survivor_and_a_contradicted_claim(tmp_path, sandbox, monkeypatch):
    from grader.instructor.validate import validate_course

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    c = course(tmp_path / "course", keep=", keepdim=True")
    softcap, pool = validate_course(c, ["softcap", "pool"], sandbox)
    assert "claims" in softcap.ran
    [error] = [f for f in softcap.errors if f.check == "variants"]
    assert "the argument `causal` hard-coded to False: no case passes another value" in error.message
    assert softcap.variants["survived"] >= 2 and softcap.variants["score"] < 1.0
    assert any(f.check == "claims" and "says the result is (N, d)" in f.message for f in pool.errors), \
        [f.message for f in pool.errors]


def test_a_tolerance_in_words_that_is_not_the_problems_is_an_error(tmp_path):
    c = course(tmp_path)
    atol, rtol = c.get("scale-heads").tolerance("float32")
    readme = tmp_path / "problems" / "scale-heads" / "README.md"
    base = readme.read_text()
    readme.write_text(base + f"\nValues must match within `{atol:g} + {rtol:g}·|expected|` in float32.\n")
    assert claims(Course(tmp_path), "scale-heads") == []
    readme.write_text(base + f"\nValues must match within `{atol / 10:g} + {rtol:g}·|expected|` in float32.\n")
    [found] = claims(Course(tmp_path), "scale-heads")
    assert found.startswith(f"README.md:5: says values must match within `{atol / 10:g} + {rtol:g}·|expected|` in "
                            f"float32, but the problem's float32 tolerance is atol = {atol:g}, rtol = {rtol:g}"), found


def test_a_stub_docstring_formula_that_is_a_known_mistake_fails(tmp_path):
    # The walkthrough's rms-norm; its known mistake "sum instead of mean", written in the stub's docstring.
    from test_validate import course_with
    from grader.instructor.statement_checks import formula_findings

    stub = ("No centring, no learned scale.\n",
            "No centring, no learned scale: `ms = (x * x).sum(dim=-1, keepdim=True)`.\n")
    for edits, expected in (({}, 0), ({"problems/rms-norm/stub.py": stub}, 1)):
        c = course_with(tmp_path / str(expected), edits)
        p = c.get("rms-norm")
        found = [f.message for f in formula_findings(p, p.reference.cases(0), lambda path: Path(path).name)]
        assert len(found) == expected, found
        assert all(m.startswith("stub.py:") and "the known mistake 'sum instead of mean'" in m for m in found), found
