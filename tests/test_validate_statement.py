"""grader validate, checks "prose examples" and "formulas": what the statement, the hints and
the stub claim in text is compared with what the reference computes, with no foreseen
mistake needed. The problem is the walkthrough's rms-norm (docs/authoring.md), broken in
ways of its own (not the benchmark's problems): each break is one edit, and the unbroken
walkthrough is the control."""

from pathlib import Path

import pytest

from test_validate import course_with
from grader.course.loader import Course
from grader.instructor.statement_checks import formula_findings, prose_findings
from grader.instructor.validate import validate_course

STATEMENT, TOML, STUB, REF = ("problems/rms-norm/README.md", "problems/rms-norm/problem.toml",
                              "problems/rms-norm/stub.py", "reference/rms_norm.py")
MATH = "    rms_norm(x) = x / sqrt(mean(x ** 2) + eps)\n"


def findings(course: Course) -> list:
    p = course.get("rms-norm")

    def rel(path):
        return str(Path(path).resolve().relative_to(p.root.resolve()))

    return prose_findings(p, rel) + formula_findings(p, p.reference.cases(0), rel)


def messages(course, level="error"):
    return [f.message for f in findings(course) if f.level == level]


def test_the_walkthrough_makes_no_claim_the_reference_contradicts(tmp_path):
    assert findings(course_with(tmp_path)) == []


def test_a_prose_call_with_a_wrong_result_fails_with_its_line_and_the_reference_value(tmp_path):
    claim = MATH + "\n    rms_norm(torch.tensor([3.0, 4.0]), eps=0.0)  ->  [0.6000, 0.8000]\n"
    found = messages(course_with(tmp_path, {STATEMENT: (MATH, claim)}))
    assert len(found) == 1, found
    line = next(n for n, t in enumerate((tmp_path / STATEMENT).read_text().splitlines(), 1) if "->  [0.6" in t)
    assert found[0].startswith(f"problems/rms-norm/README.md:{line}: the worked example"), found
    assert "shows [0.6000, 0.8000] but the reference gives [0.848528, 1.13137]" in found[0], found


def test_a_right_prose_call_passes_within_its_printed_digits(tmp_path):
    claim = MATH + "\n    rms_norm(torch.tensor([3.0, 4.0]), eps=0.0)  ->  [0.8485, 1.1314]\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, claim)})) == []


def test_a_wrong_returns_sentence_in_the_stub_docstring_fails(tmp_path):
    # Lists in the text are passed as tensors: `[1.0, 3.0]` is what the learner would pass.
    # 0.3162, 0.9487 is the sum of squares instead of the mean (sqrt(10), not sqrt(5)).
    stub = ("No centring, no learned scale.\n",
            "No centring, no learned scale. `rms_norm([1.0, 3.0], eps=0.0)` returns `[0.3162, 0.9487]`.\n")
    found = messages(course_with(tmp_path, {STUB: stub}))
    assert len(found) == 1 and found[0].startswith("problems/rms-norm/stub.py:"), found
    assert "the reference gives [0.447214, 1.34164]" in found[0], found


def test_a_formula_in_prose_is_not_read_as_a_value(tmp_path):
    # `rms_norm(2.0) = 2.0 / sqrt(...)` is a formula: the number before the operator is no result.
    claim = MATH + "\n    rms_norm(2.0) = 2.0 / sqrt(4.0 + eps)\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, claim)})) == []


def test_a_hint_formula_that_is_a_known_mistake_fails_naming_the_mistake(tmp_path):
    # The mistake "sum instead of mean" never names its sum of squares: the hint assigns it to
    # `ms`, the reference's `ms` differs, and the mistake computes it (unnamed).
    hint = ("`(x * x).mean(dim=-1, keepdim=True)`", "`ms = (x * x).sum(dim=-1, keepdim=True)`")
    found = messages(course_with(tmp_path, {TOML: hint}))
    assert len(found) == 1, found
    assert "problems/rms-norm/problem.toml:9 (hint 1): `(x * x).sum(dim=-1, keepdim=True)` computes what the " \
           "known mistake 'sum instead of mean' computes" in found[0], found
    assert "not the reference's `ms`" in found[0], found


def test_a_statement_formula_reproducing_a_named_local_of_a_mistake_fails(tmp_path):
    # In the statement's prose this time, and matched through the mistake's own local `ms`.
    line = "with the mean over the last dimension."
    wrong = line + " In code: `x.var(dim=-1, unbiased=False, keepdim=True)`."
    ref = ("    c = x - x.mean(dim=-1, keepdim=True)\n    return c / torch.sqrt((c * c).mean(dim=-1, keepdim=True) + eps)",
           "    ms = x.var(dim=-1, unbiased=False, keepdim=True)\n"
           "    return (x - x.mean(dim=-1, keepdim=True)) / torch.sqrt(ms + eps)")
    found = messages(course_with(tmp_path, {STATEMENT: (line, wrong), REF: ref}))
    assert len(found) == 1 and found[0].startswith("problems/rms-norm/README.md:"), found
    assert "the known mistake 'mean subtracted' computes (its `ms`" in found[0], found


def test_a_hint_formula_that_is_an_unnamed_step_of_the_reference_passes(tmp_path):
    # The reference computes sqrt(ms + eps) without naming it; a mistake binds that very value to
    # `ms`, where the reference's `ms` holds the mean of squares. The hint is still right: every
    # intermediate of the reference counts, named or not.
    ref = ("def _eps_outside(x, eps=1e-5):\n    return x / (torch.sqrt((x * x).mean(dim=-1, keepdim=True)) + eps)",
           "def _eps_outside(x, eps=1e-5):\n    ms = torch.sqrt((x * x).mean(dim=-1, keepdim=True) + eps)\n"
           "    return x / (ms + eps)")
    hint = ("`eps` goes inside the square root:", "`eps` goes inside the square root, `torch.sqrt(ms + eps)`:")
    assert findings(course_with(tmp_path, {REF: ref, TOML: hint})) == []


def test_a_statement_block_defining_the_entry_that_disagrees_is_a_warning(tmp_path):
    block = MATH + "\n```python\ndef rms_norm(x, eps=1e-5):\n    return x / torch.sqrt((x * x).sum(dim=-1, " \
                   "keepdim=True) + eps)\n```\n"
    found = findings(course_with(tmp_path, {STATEMENT: (MATH, block)}))
    assert [f.level for f in found] == ["warning"], [f.message for f in found]
    assert "the statement's code defining `rms_norm` fails 7 of 7 cases" in found[0].message, found[0].message


def test_a_statement_block_defining_the_entry_that_agrees_passes(tmp_path):
    block = MATH + "\n```python\ndef rms_norm(x, eps=1e-5):\n    return x * torch.rsqrt(x.pow(2).mean(-1, " \
                   "keepdim=True) + eps)\n```\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, block)})) == []


@pytest.mark.parametrize("slug", ["attention", "layer-norm", "top-p", "kv-cache"])
def test_shipped_problems_make_no_contradicted_claim(slug):
    course = Course()
    p = course.get(slug)
    assert prose_findings(p, str) + formula_findings(p, p.reference.cases(0), str) == []


def test_validate_runs_both_checks_and_fails_on_a_prose_example(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    claim = MATH + "\n    rms_norm(torch.tensor([3.0, 4.0]), eps=0.0)  ->  [0.6000, 0.8000]\n"
    [v] = validate_course(course_with(tmp_path, {STATEMENT: (MATH, claim)}), ["rms-norm"], sandbox)
    assert {"prose examples", "formulas"} <= set(v.ran)
    assert [f.check for f in v.errors] == ["prose examples"], [f.message for f in v.errors]


def test_a_table_row_and_names_bound_earlier_in_the_paragraph_are_read(tmp_path):
    # The call uses `x`, assigned in an inline span of the same paragraph; a table's cells
    # separate a call from its value. The table's first row is right, the second wrong.
    claim = (MATH + "\nTake `x = torch.tensor([3.0, 4.0])`:\n`rms_norm(x, eps=0.0)` gives `[0.8485, 1.1314]`.\n\n"
             "| call | result |\n|---|---|\n| `rms_norm(torch.tensor([1.0, 1.0]))` | `[1.0000, 1.0000]` |\n"
             "| `rms_norm(torch.tensor([2.0, 0.0]))` | `[1.0000, 0.0000]` |\n")
    found = messages(course_with(tmp_path, {STATEMENT: (MATH, claim)}))
    assert len(found) == 1 and "`rms_norm(torch.tensor([2.0, 0.0]))` shows [1.0000, 0.0000]" in found[0], found
    assert "the reference gives [1.41421, 0]" in found[0], found


def test_a_name_from_another_paragraph_is_not_used(tmp_path):
    # `x` is bound in one paragraph; the claim in the next one cannot be read: skipped.
    claim = MATH + "\nTake `x = torch.tensor([3.0, 4.0])`.\n\n`rms_norm(x, eps=0.0)` gives `[0.1, 0.2]`.\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, claim)})) == []


def test_a_formula_over_a_loop_variable_is_not_evaluated():
    # A loop leaves `i` at its last value: `x * i` would not be what the text means.
    import torch

    from grader.instructor.formula_check import _evaluate
    from grader.instructor.reference_trace import Frame, Trace

    x = torch.arange(4.0)
    trace = Trace([Frame("f", {"i": 3, "x": x}, (("x", x), ("i", 0), ("i", 1), ("i", 2), ("i", 3)))])
    assert _evaluate("x * i", trace) is None
    assert torch.equal(_evaluate("x * 2", trace), x * 2)


def test_a_doctest_in_the_stub_docstring_runs_against_the_reference(tmp_path):
    from grader.instructor.examples import docstring_blocks, run_examples

    doc = ('    """x: (..., d) -> (..., d), same dtype as x."""',
           '    """x: (..., d) -> (..., d), same dtype as x.\n\n'
           '    >>> rms_norm(torch.tensor([3.0, 4.0]), eps=0.0)\n    tensor([0.8485, 1.1314])\n'
           '    >>> rms_norm(torch.tensor([1.0, 3.0]), eps=0.0)\n    tensor([0.3162, 0.9487])\n    """')
    p = course_with(tmp_path, {STUB: doc}).get("rms-norm")
    ran, failed = run_examples(p.stub_path, p.entry, p.reference.rms_norm, docstring_blocks)
    assert ran == 2 and len(failed) == 1, failed
    line = next(n for n, t in enumerate(p.stub_path.read_text().splitlines(), 1) if "[1.0, 3.0]" in t)
    assert (failed[0].line, failed[0].expected, failed[0].got) == (line, "tensor([0.3162, 0.9487])",
                                                                  "tensor([0.4472, 1.3416])"), failed


def test_a_shape_after_the_arrow_is_not_read_as_values(tmp_path):
    claim = MATH + "\n    rms_norm(torch.ones(1, 2))  ->  (1, 2)\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, claim)})) == []


def test_a_sentence_ending_at_its_arrow_is_skipped_not_a_crash(tmp_path):
    # The value is on the next line: nothing is claimed on this one (a check that crashed
    # here failed a good problem: "the check itself failed: IndexError").
    claim = MATH + "\nWith eps = 0: `rms_norm(torch.tensor([3.0, 4.0]), 0.0)` gives\n`[0.8485, 1.1314]`.\n"
    assert findings(course_with(tmp_path, {STATEMENT: (MATH, claim)})) == []


def test_a_prose_claim_in_a_hint_without_code_spans_is_placed_on_its_line(tmp_path):
    hint = ('"Use the `eps` you are given, keep the input\'s dtype, and build a new tensor rather than editing `x`.",',
            '"Use the eps you are given: rms_norm([3.0, 4.0], eps=0.0) -> [0.6, 0.8].",')
    found = messages(course_with(tmp_path, {TOML: hint}))
    assert len(found) == 1 and found[0].startswith("problems/rms-norm/problem.toml:11 (hint 3): "), found


HINT_2 = "`eps` goes inside the square root: `x / torch.sqrt(ms + eps)`, or `x * torch.rsqrt(ms + eps)`."


def test_a_hint_formula_over_a_name_it_defines_after_is_an_unnamed_step_of_a_mistake(tmp_path):
    # "f(u) with u = ...": the name is the hint's own, defined after its use; the formula is the mistake
    # "sum instead of mean" (its return expression, never named) and nothing the reference computes.
    wrong = "`eps` goes inside the root: `x / torch.sqrt(s2 + eps)` with `s2 = (x * x).sum(dim=-1, keepdim=True)`."
    found = messages(course_with(tmp_path, {TOML: (HINT_2, wrong)}))
    assert len(found) == 1 and "(hint 2): `x / torch.sqrt(s2 + eps)` computes what the known mistake " \
                                "'sum instead of mean' computes (a step of it equals" in found[0], found


def test_a_hint_or_statement_that_names_a_slip_to_avoid_is_not_reported(tmp_path):
    # The same formula, said as what NOT to write: a warning, not an instruction.
    warned = ("`eps` goes inside the root: `x / torch.sqrt(m2 + eps)` with `m2 = (x * x).mean(dim=-1, keepdim=True)`, "
              "not `x / torch.sqrt(s2 + eps)` with `s2 = (x * x).sum(dim=-1, keepdim=True)`.")
    assert messages(course_with(tmp_path, {TOML: (HINT_2, warned)})) == []


def test_a_negation_in_another_sentence_of_the_hint_does_not_hide_the_formula_it_teaches(tmp_path):
    # The formula's own sentence teaches it; "not" belongs to the next sentence's remark.
    taught = ("`eps` goes inside the root: `x / torch.sqrt(s2 + eps)` with `s2 = (x * x).sum(dim=-1, keepdim=True)`. "
              "It is not the same as adding eps after the root.")
    found = messages(course_with(tmp_path, {TOML: (HINT_2, taught)}))
    assert len(found) == 1 and "'sum instead of mean'" in found[0], found
    # ...while a negation inside the formula's sentence still reads it as a slip to avoid.
    warned = ("It is not the same as adding eps after the root. Do not write `x / torch.sqrt(s2 + eps)` with "
              "`s2 = (x * x).sum(dim=-1, keepdim=True)`.")
    assert messages(course_with(tmp_path, {TOML: (HINT_2, warned)})) == []
