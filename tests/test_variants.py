"""The variant engine: each kind of edit gives the variant it says, descriptions never
quote the reference, and rewrites that compute the same thing are told apart."""

import textwrap

import pytest
import torch

from grader.course.loader import load_module_from_path
from grader.evidence.variants import EditKind, build, single_variants, solution_units, source_lines

SOURCE = '''
import torch

ROLES = {"_scale": "the scaling step"}


def _scale(x):
    return x * 2.0


def solution(x, w, eps=1e-5):
    total = x.sum(dim=-1, keepdim=True)  # role: the row totals
    a, b = w[0], w[1]
    y = _scale(x) - total / (x.shape[-1] + eps)
    for i in range(2):
        y = y + a[i]
    if y.shape[0] < 3:
        y = y @ b.T
    y = torch.clamp(y, -1000.0, 1000.0)
    return y[:, 1:]
'''


@pytest.fixture()
def units(tmp_path):
    path = tmp_path / "toy_reference.py"
    path.write_text(textwrap.dedent(SOURCE))
    module = load_module_from_path("_toy_reference_for_variants", path)
    return solution_units(module, "solution")


def inputs():
    g = torch.Generator().manual_seed(0)
    return torch.randn(2, 4, generator=g, dtype=torch.float64), torch.randn(6, 4, 4, generator=g, dtype=torch.float64)


def outputs_by_description(units, kind):
    x, w = inputs()
    out = {}
    for v in single_variants(units):
        if v.edits[0].kind is kind:
            try:
                out.setdefault(v.description, []).append(build(units, v.edits)(x, w))
            except Exception as exc:  # an edit may make the toy raise: that is its behaviour
                out.setdefault(v.description, []).append(type(exc).__name__)
    return out


def reference(x, w, eps=1e-5):
    total = x.sum(dim=-1, keepdim=True)
    a, b = w[0], w[1]
    y = x * 2.0 - total / (x.shape[-1] + eps)
    for i in range(2):
        y = y + a[i]
    if y.shape[0] < 3:
        y = y @ b.T
    y = torch.clamp(y, -1000.0, 1000.0)
    return y[:, 1:]


def test_units_follow_helpers_and_unedited_build_is_the_reference(units):
    assert [u.name for u in units] == ["solution", "_scale"]
    x, w = inputs()
    assert torch.equal(build(units, ())(x, w), reference(x, w))


def test_constant_doubled_in_a_helper_is_described_by_its_role(units):
    x, w = inputs()
    [variant] = [v for v in single_variants(units) if v.edits[0].kind is EditKind.CONSTANT
                 and v.edits[0].unit == 1 and v.edits[0].detail == ("value", 4.0)]
    assert variant.description == "a numeric constant doubled in the scaling step"
    expected = reference(x, w) + ((x * 2.0) @ w[1].T)[:, 1:]
    assert torch.allclose(build(units, variant.edits)(x, w), expected)


def test_axis_edit_changes_the_reduction(units):
    x, w = inputs()
    [variant] = [v for v in single_variants(units) if v.edits[0].kind is EditKind.AXIS
                 and v.edits[0].detail == ("axis", 0) and v.description.startswith("the axis")]
    assert "the row totals" in variant.description
    y = x * 2.0 - x.sum(dim=0, keepdim=True) / (4 + 1e-5) + w[0][0] + w[0][1]
    assert torch.allclose(build(units, variant.edits)(x, w), (y @ w[1].T)[:, 1:])


def test_comparison_bound_flag_and_transpose_edits(units):
    x, w = inputs()
    ref = reference(x, w)
    for kind, phrase in [(EditKind.COMPARISON, "a comparison < made <="), (EditKind.FLAG, "the `keepdim` flag"),
                         (EditKind.TRANSPOSE, "a transpose dropped"), (EditKind.BOUND, "a range's end +1"),
                         (EditKind.BOUND, "a slice's start -1")]:
        found = {d: o for d, o in outputs_by_description(units, kind).items() if phrase in d}
        assert found, (kind, phrase)
    [no_t] = outputs_by_description(units, EditKind.TRANSPOSE)["a transpose dropped in the solution"]
    y = x * 2.0 - x.sum(-1, keepdim=True) / (4 + 1e-5) + w[0][0] + w[0][1]
    assert torch.allclose(no_t, (y @ w[1])[:, 1:])
    [extra] = outputs_by_description(units, EditKind.BOUND)["a range's end +1: one more iteration in the solution"]
    assert torch.allclose(extra, ref + (w[0][2] @ w[1].T)[1:])
    # y.shape[0] == 2 < 3 either way: the comparison edit is equivalent on this input
    [same] = outputs_by_description(units, EditKind.COMPARISON)["a comparison < made <= in the solution"]
    assert torch.equal(same, ref)


def test_packed_index_swaps_and_dropped_terms(units):
    x, w = inputs()
    descriptions = {v.description for v in single_variants(units)}
    assert "packed weight 0 read as packed weight 5 in the solution" in descriptions
    assert "the second term of a difference dropped in the solution" in descriptions
    assert "a call to `_scale` skipped (its argument kept) in the solution" in descriptions
    assert "unpacked values 1 and 2 swapped in the solution" in descriptions
    [swapped] = [v for v in single_variants(units) if v.description == "unpacked values 1 and 2 swapped in the solution"]
    y = x * 2.0 - x.sum(-1, keepdim=True) / (4 + 1e-5) + w[1][0] + w[1][1]
    assert torch.allclose(build(units, swapped.edits)(x, w), (y @ w[0].T)[:, 1:])


def test_descriptions_never_quote_the_source(units):
    lines = source_lines(units)
    local_names = {"total", "_scale"}
    for v in single_variants(units):
        assert not any(line in v.description for line in lines), v.description
        assert not any(f"`{n}`" in v.description for n in local_names - {"_scale"}), v.description


def test_every_edit_kind_of_the_issue_is_generated(units):
    kinds = {v.edits[0].kind for v in single_variants(units)}
    assert kinds >= {EditKind.CONSTANT, EditKind.AXIS, EditKind.COMPARISON, EditKind.BOUND, EditKind.DROPPED_TERM,
                     EditKind.DROPPED_CALL, EditKind.TRANSPOSE, EditKind.SWAPPED_OPERANDS,
                     EditKind.SWAPPED_ARGUMENTS, EditKind.SWAPPED_TARGETS, EditKind.PACKED_INDEX, EditKind.LOCAL,
                     EditKind.STATEMENTS, EditKind.DTYPE, EditKind.FLAG}


def test_a_size_read_from_another_axis_is_named_as_such(units):
    x, w = inputs()
    [variant] = [v for v in single_variants(units) if v.description.startswith("the size read from axis -1 changed to 0")]
    y = x * 2.0 - x.sum(-1, keepdim=True) / (2 + 1e-5) + w[0][0] + w[0][1]
    assert torch.allclose(build(units, variant.edits)(x, w), (y @ w[1].T)[:, 1:])


def test_equivalent_rewrites_are_dropped_and_real_edits_are_not(tmp_path):
    from grader.verdict.variant_cache import agree
    from grader.cases import Case

    path = tmp_path / "twice_reference.py"
    path.write_text("def twice(x):\n    return x * 2 + 0 * x\n")
    module = load_module_from_path("_toy_twice_reference", path)
    units = solution_units(module, "twice")
    case = Case("c", {"x": torch.randn(5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)})
    reference = module.twice(**case.inputs)
    same = {v.description for v in single_variants(units)
            if agree(build(units, v.edits)(**case.inputs), reference, 1e-10, 1e-8)}
    # x * 2 + 0 * x: dropping the `0 * x` term, or setting its 0 to anything that stays 0, changes nothing
    assert "the second term of a sum dropped in the solution" in same
    assert "the result computed through float32 (a float32 computation in a float64 case) in the solution" \
        not in same
    assert "the first term of a sum dropped in the solution" not in same
    assert "a numeric constant halved in the solution" not in same  # 2 halved is 1



def _ids(tmp_path, source: str, name: str) -> dict[str, str]:
    """{variant id: description} of `source`'s solution, written as reference.py in its own
    folder and loaded under a fresh module name."""
    from grader.evidence.variant_ids import variant_id

    folder = tmp_path / name
    folder.mkdir()
    path = folder / "reference.py"
    path.write_text(textwrap.dedent(source))
    units = solution_units(load_module_from_path(f"_toy_{name}", path), "solution")
    variants = single_variants(units)
    ids = {variant_id(units, v): v.description for v in variants}
    assert len(ids) == len(variants)  # one id per variant
    return ids


def test_variant_ids_survive_edits_elsewhere_and_change_with_the_edited_statement(tmp_path):
    base = _ids(tmp_path, SOURCE, "ids_base")
    assert base == _ids(tmp_path, SOURCE, "ids_again")  # stable across loads
    # a function added above the solution and a line inside it, before the edited statements
    moved = SOURCE.replace("def solution(x, w, eps=1e-5):\n",
                           "def unrelated():\n    return 1\n\n\ndef solution(x, w, eps=1e-5):\n    x = x + 0\n")
    again = _ids(tmp_path, moved, "ids_moved")
    assert set(base) <= set(again), sorted(set(base) - set(again))
    # the clamp's bounds changed: its edits are new variants, with new ids; the others keep theirs
    clamp_ids = {i for i, d in base.items() if "clamp" in d}
    changed = _ids(tmp_path, SOURCE.replace("-1000.0, 1000.0", "-999.0, 999.0"), "ids_changed")
    assert clamp_ids and not clamp_ids & set(changed)
    assert {i for i, d in base.items() if "range" in d} <= set(changed)


# --- "equivalent but rejected": only a formulation as accurate as the reference blames the tolerance
def _truth_and_reference():
    x = torch.linspace(-3, 3, 64, dtype=torch.float64).reshape(8, 8)
    truth = torch.softmax(x, -1)
    return x, truth, torch.softmax(x.float(), -1)


def test_a_reassociated_float32_formulation_counts_as_accurate():
    from grader.verdict.variant_cache import _as_accurate

    x, truth, reference = _truth_and_reference()
    e = torch.exp(x.float() - x.float().max(-1, keepdim=True).values)
    other_order = e / e.flip(-1).cumsum(-1)[..., -1:]  # the same quotient, summed in another order
    assert not torch.equal(other_order, reference)
    assert _as_accurate(other_order, reference, truth)


def test_a_skipped_cast_an_overflow_or_a_large_error_is_not_a_tolerance_problem():
    from grader.verdict.variant_cache import _as_accurate

    x, truth, reference = _truth_and_reference()
    assert not _as_accurate(truth, reference, truth)  # float64 returned for float32: a contract failure
    overflowed = reference.clone()
    overflowed[0, 0] = float("nan")  # exp without its max subtraction overflowed in float32
    assert not _as_accurate(overflowed, reference, truth)
    assert not _as_accurate(reference * (1 + 1e-4), reference, truth)  # 1e-4 off: not rounding
    assert _as_accurate({"p": reference}, {"p": reference}, {"p": truth})
    assert not _as_accurate((reference, reference.long()), (reference, reference.long() + 1), (truth, truth))
