"""sample: graded statistically. The reference passes; correct samplers in other styles
pass; biased samplers fail and are named; global-RNG and fixed-seed samplers fail the
reproducibility checks; every route to a built-in sampler is refused."""

import math

import pytest
import torch

from conftest import failing_messages
from grader.verdict.inprocess import LocalContext, run_in_process
from grader.judge import case_verdicts, public_judge_module
from sampling_solutions import BANNED, CONTRACT_BREAKERS, CORRECT, WRONG


def test_chi_square_p_value_matches_the_closed_form(course):
    ref = public_judge_module(course.get("sample"))  # the statistical test is public: problems/sample/judge.py
    # df = 2: the chi-square survival function is exp(-x / 2).
    counts = torch.tensor([[380, 310, 310]])
    probs = torch.tensor([[1 / 3, 1 / 3, 1 / 3]], dtype=torch.float64)
    test = ref.chi_square(counts, probs)
    assert test["df"] == 2 and abs(test["stat"] - 9.8) < 1e-9
    assert abs(test["p_value"] - math.exp(-9.8 / 2)) < 1e-12


def test_chi_square_pools_bins_with_few_expected_draws(course):
    ref = public_judge_module(course.get("sample"))
    probs = torch.tensor([[0.5, 0.4, 0.04, 0.03, 0.03]], dtype=torch.float64)
    test = ref.chi_square(torch.tensor([[50, 40, 0, 0, 10]]), probs)  # expected 4, 3, 3: one pool of 10
    assert test["df"] == 2 and test["stat"] == pytest.approx(0.0)
    probs = torch.tensor([[0.6, 0.38, 0.01, 0.01]], dtype=torch.float64)
    test = ref.chi_square(torch.tensor([[60, 30, 5, 5]]), probs)  # a pool of 2 joins the 38: 60 | 40
    assert test["df"] == 1 and test["stat"] == pytest.approx(0.0)


def test_reference_passes_its_own_judge_in_process(course):
    problem = course.get("sample")
    ref = problem.reference
    from grader.course.loader import load_module_from_path

    probe = load_module_from_path("_sample_probe_test", problem.probe_path)
    for case in ref.cases(3):
        value = run_in_process(problem, probe.probe, ref.sample, case)
        verdicts = case_verdicts(problem, case, value, case.tolerance)
        assert all(v.passed for v in verdicts), (case.name, [v.message for v in verdicts])


def test_each_mistake_as_a_sampler_fails_and_is_named_as_itself(course):
    # A mistake called with a generator draws like the biased code it describes.
    from grader.course.loader import load_module_from_path
    from grader.verdict.diagnose import matching_mistakes

    problem = course.get("sample")
    ref = problem.reference
    probe = load_module_from_path("_sample_probe_test2", problem.probe_path)
    cases = ref.cases(11)
    for mistake in ref.MISTAKES:
        values = {c.name: probe.probe(mistake.fn, c.pristine_inputs(), LocalContext(c.options)) for c in cases}
        assert not all(all(v.passed for v in case_verdicts(problem, c, values[c.name], c.tolerance)) for c in cases), \
            mistake.name
        assert [m.name for m in matching_mistakes(problem, cases, values)] == [mistake.name]


def test_every_mistake_is_far_from_the_truth_and_from_the_others_somewhere(course):
    # Diagnosis matches observed frequencies within the case tolerance: each pair must be
    # separated by more than twice that on at least one case, or naming could be a guess.
    ref = course.get("sample").reference
    cases = ref.cases(0)
    truth = ("truth", lambda probs: probs.double())
    fns = [truth] + [(m.name, m.fn) for m in ref.MISTAKES]
    for i, (a, fa) in enumerate(fns):
        for b, fb in fns[i + 1:]:
            gaps = [float((fa(c.inputs["probs"]) - fb(c.inputs["probs"])).abs().max() / c.tolerance[0])
                    for c in cases]
            assert max(gaps) > 2, (a, b, gaps)


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("sample", course.get("sample").stub_path.read_text())
    assert not report.passed and report.error_kind == "not-implemented"


@pytest.mark.parametrize("style", CORRECT)
def test_correct_samplers_pass(grade, style):
    report = grade("sample", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


@pytest.mark.parametrize("label", WRONG)
def test_wrong_samplers_fail_and_are_named(grade, label):
    name, source = WRONG[label]
    report = grade("sample", source)
    assert not report.passed
    got = report.diagnosis["name"] if report.diagnosis else None
    assert got == name, (got, failing_messages(report))


def test_global_rng_sampler_fails_the_reproducibility_check(grade):
    report = grade("sample", WRONG["global RNG (torch.rand without generator)"][1])
    assert [c.name for c in report.cases if not c.passed] == ["same generator seed, same draws"]
    assert "global RNG" in failing_messages(report)


def test_fixed_seed_sampler_fails_the_other_seed_check(grade):
    report = grade("sample", WRONG["fixed seed instead of the generator"][1])
    assert "two different generator seeds gave identical draws" in failing_messages(report)


@pytest.mark.parametrize("label", BANNED)
def test_builtin_samplers_are_refused(grade, label):
    report = grade("sample", BANNED[label])
    assert not report.passed and report.score == 0.0
    assert report.violations, failing_messages(report)
    assert any(v.line in (2, 3, 4) and v.file == "sample.py" for v in report.violations), report.violations


@pytest.mark.parametrize("label, how", [("Tensor.multinomial (run time)", "run time: torch function"),
                                        ("torch.ops.aten.multinomial", "run time: aten.multinomial")])
def test_multinomial_is_caught_at_run_time(grade, label, how):
    report = grade("sample", BANNED[label])
    assert any(v.api == "torch.multinomial" and v.how == how for v in report.violations), report.violations


def test_numpy_random_is_banned_and_the_guard_survives_it(grade):
    source = """
        import numpy as np
        import torch
        def sample(probs, generator):
            u = torch.from_numpy(np.random.rand(probs.shape[0], 1)).to(probs.dtype)
            return torch.searchsorted(probs.cumsum(-1), u, right=True).clamp(max=probs.shape[-1] - 1).squeeze(-1)
    """
    report = grade("sample", source, localise=False)
    assert not report.passed
    assert [(v.api, v.line) for v in report.violations if v.kind == "banned"] == [("numpy.random", 5)]


@pytest.mark.parametrize("label", CONTRACT_BREAKERS)
def test_draws_not_independent_or_not_from_the_state_fail(grade, label):
    words, source = CONTRACT_BREAKERS[label]
    report = grade("sample", source)
    assert not report.passed
    if label == "own generator from (initial_seed, calls on this generator)":
        # Its count is keyed by id(generator): which later generator reuses a freed one's id depends on the
        # child's memory layout, so the second-process run may repeat the fresh draws (a later state, same
        # draws) or differ from them (the same seed, other draws): both fail it, by what was measured.
        assert words in failing_messages(report) or "in a second run" in failing_messages(report), \
            failing_messages(report)
        return
    assert words in failing_messages(report), failing_messages(report)


def test_too_even_counts_fail_and_multinomial_counts_pass():
    from grader.compare import fit, pair_fit

    probs = torch.tensor([[0.1, 0.2, 0.15, 0.05, 0.2, 0.1, 0.12, 0.08]], dtype=torch.float64)
    even = (probs * 10000).round().long()  # exactly the expected counts: no independent draws do that
    assert not fit(even, probs, 10000).passed and "too evenly spread" in fit(even, probs, 10000).message
    g = torch.Generator().manual_seed(0)
    draws = torch.searchsorted(probs[0].cumsum(0), torch.rand(10000, generator=g, dtype=torch.float64), right=True)
    counts = torch.bincount(draws, minlength=8)[None]
    assert fit(counts, probs, 10000).passed
    cls = torch.zeros(5000, dtype=torch.long)
    assert pair_fit(draws[0::2], draws[1::2], probs, cls, cls, "pairs").passed
    assert not pair_fit(draws[0::2], draws[0::2], probs, cls, cls, "pairs").passed  # a pair that is one draw twice
