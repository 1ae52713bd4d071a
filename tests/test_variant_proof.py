"""Proving a variant runs a case exactly as the reference does by replaying its edited
function (grader/verdict/variant_proof.py): what is proven really is bit for bit the
reference's output, and what the replay cannot see (an argument changed in place, a draw
from the global RNG, state kept in a module) is never proven."""

import textwrap

import pytest
import torch

from grader.course.loader import load_module_from_path
from grader.evidence.variants import build, single_variants, solution_units, variant_function
from grader.verdict.variant_proof import Proofs

SOURCE = '''
import torch


def _centre(x):
    return x - x.mean(dim=-1, keepdim=True)


def _scale_into(buf, factor):
    buf.mul_(factor)
    return None


def _width(x):
    return x.shape[-1] * 1.0


def solution(x):
    y = _centre(x)
    z = y.clone()
    _scale_into(z, 2.0)
    n = _width(x)
    return z / n + y.transpose(0, 1).transpose(1, 0)
'''


def _units(tmp_path, source, name):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    module = load_module_from_path(f"_toy_{name}", path)
    return module, solution_units(module, "solution")


def _recorded(units, inputs):
    proofs = Proofs(units, build(units, ()))
    for key, x in enumerate(inputs):
        proofs.record(key, lambda: proofs.base(x.clone()))
    return proofs


def _inputs():
    g = torch.Generator().manual_seed(3)
    return [torch.randn(3, 3, generator=g), torch.randn(3, 3, generator=g, dtype=torch.float64)]


def test_what_is_proven_is_bit_for_bit_the_references_output_and_some_edits_are_not(tmp_path):
    module, units = _units(tmp_path, SOURCE, "proof_toy")
    inputs = _inputs()
    proofs = _recorded(units, inputs)
    assert proofs.enabled and len(proofs.by_case) == len(inputs)
    proven, unproven = [], []
    for v in single_variants(units):
        fn = variant_function(units, v)
        if fn is None:
            continue
        unit = proofs.edited(v)
        for key, x in enumerate(inputs):
            if proofs.identical(fn, unit, key, v):
                out, ref = fn(x.clone()), module.solution(x.clone())
                assert out.dtype == ref.dtype and torch.equal(out, ref), v.description
                proven.append((v.description, key))
            else:
                unproven.append((v.description, key))
    descriptions = {d for d, _ in proven}
    # An axis of equal size read through its other name: the same function on these square inputs.
    assert "the axis -1 changed to 1 in a helper of the solution" in descriptions
    assert unproven
    # The float32 round trip of `_centre`'s return: dead on the float32 input only.
    centre = next(k for k, u in enumerate(units) if u.name == "_centre")
    f32 = next(v for v in single_variants(units) if proofs.edited(v) == centre and "through float32" in v.description)
    fn = variant_function(units, f32)
    assert [proofs.identical(fn, centre, key, f32) for key in range(len(inputs))] == [True, False]


def test_a_helper_that_changes_its_argument_in_place_is_proven_only_when_it_changes_it_alike(tmp_path):
    module, units = _units(tmp_path, SOURCE, "proof_inplace")
    inputs = _inputs()
    proofs = _recorded(units, inputs)
    scale = next(k for k, u in enumerate(units) if u.name == "_scale_into")
    variants = [v for v in single_variants(units) if proofs.edited(v) == scale]
    assert variants
    for v in variants:
        fn = variant_function(units, v)
        for key, x in enumerate(inputs):
            try:
                same = torch.equal(fn(x.clone()), module.solution(x.clone()))
            except Exception:
                same = False
            if not same:
                assert not proofs.identical(fn, scale, key, v), v.description


def test_a_program_drawing_from_the_global_rng_proves_nothing(tmp_path):
    source = SOURCE.replace("return x - x.mean(dim=-1, keepdim=True)",
                            "return x - x.mean(dim=-1, keepdim=True) + 0.0 * torch.rand(x.shape, dtype=x.dtype)")
    _, units = _units(tmp_path, source, "proof_rng")
    proofs = _recorded(units, _inputs())
    assert proofs.enabled and not proofs.by_case


def test_a_run_under_a_torch_mode_proves_nothing(tmp_path):
    """A probe that counts every op's work (kv-cache's) sees what a replay outside its mode would not."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Counting(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

    _, units = _units(tmp_path, SOURCE, "proof_mode")
    proofs = Proofs(units, build(units, ()))
    x = _inputs()[0]

    def counted():
        with Counting():
            return proofs.base(x.clone())

    proofs.record(0, counted)
    assert proofs.enabled and not proofs.by_case


@pytest.mark.parametrize("kept", ["SEEN = []\n\n\ndef _width(x):\n    SEEN.append(1)\n",
                                  "def _width(x):\n    _width.calls = 1\n"])
def test_state_kept_in_a_module_disables_every_proof(tmp_path, kept):
    source = SOURCE.replace("def _width(x):\n", kept)
    _, units = _units(tmp_path, source, f"proof_state_{len(kept)}")
    proofs = _recorded(units, _inputs())
    assert not proofs.enabled and not proofs.by_case
    v = single_variants(units)[0]
    assert proofs.edited(v) is None


@pytest.mark.parametrize("slug", ["layer-norm", "attention"])
def test_shipped_verdicts_are_the_same_with_and_without_proofs(slug, monkeypatch, tmp_path):
    from grader.course.loader import Course
    from grader.verdict import variant_cache

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path))
    # The too-slow alarm is wall-clock: on a loaded machine it may reject a variant in one run and not
    # the other, whatever the proofs do. Timing aside, the verdicts must be equal.
    monkeypatch.setattr(variant_cache, "SLOW_FLOOR", 600.0)
    problem = Course().get(slug)
    cases = {0: list(problem.reference.cases(0))}
    with_proofs = variant_cache.adequacy(problem, cases, (0,), workers=1, use_cache=False)
    monkeypatch.setattr(variant_cache, "PROVE", False)
    without = variant_cache.adequacy(problem, cases, (0,), workers=1, use_cache=False)
    assert [(r.key, r.verdict) for r in with_proofs.results] == [(r.key, r.verdict) for r in without.results]
    assert with_proofs.count_equivalent > 0
