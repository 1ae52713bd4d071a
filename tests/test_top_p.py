"""top-p: the reference agrees with a plain float64 loop; the cases keep the mass above
every boundary token clear of p; correct styles pass; mistakes are named."""

import math

import pytest
import torch

from conftest import failing_messages


def _loop_top_p(logits, temperature, p):
    """An independent float64 spec, straight from the statement."""
    flat = logits.double().reshape(-1, logits.shape[-1])
    out = torch.zeros_like(flat)
    for r, row in enumerate(flat.tolist()):
        s = [v / temperature for v in row]
        top = max(s)
        e = [math.exp(v - top) for v in s]
        probs = [v / sum(e) for v in e]
        above, kept = 0.0, {}
        for i in sorted(range(len(probs)), key=lambda i: -probs[i]):
            if above < p:
                kept[i] = probs[i]
            above += probs[i]
        for i, v in kept.items():
            out[r, i] = v / sum(kept.values())
    return out.reshape(logits.shape)


def test_reference_matches_a_float64_loop(course):
    ref = course.get("top-p").reference
    for case in ref.cases(0) + ref.cases(5):
        got = ref.top_p_probs(**case.inputs)
        assert got.dtype == case.inputs["logits"].dtype and got.shape == case.inputs["logits"].shape
        torch.testing.assert_close(got.double(), _loop_top_p(**case.inputs), atol=1e-6, rtol=1e-5)


def test_cases_keep_the_mass_above_each_token_away_from_p(course):
    ref = course.get("top-p").reference
    for seed in range(20):
        for case in ref.cases(seed):
            x, t, p = case.inputs["logits"], case.inputs["temperature"], case.inputs["p"]
            assert ref.boundary_margin(x, t, p) >= 1e-4, (seed, case.name)


def test_tiny_p_keeps_only_the_top_token_and_p_one_keeps_all(course):
    ref = course.get("top-p").reference
    by_name = {c.name: c.inputs for c in ref.cases(0)}
    tiny = by_name["edge: tiny p = 0.001"]
    assert ((ref.top_p_probs(**tiny) > 0).sum(-1) == 1).all()
    full = by_name["edge: p = 1, T = 1.1"]
    torch.testing.assert_close(ref.top_p_probs(**full), torch.softmax(full["logits"] / 1.1, -1), atol=1e-7, rtol=1e-6)


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("top-p", course.get("top-p").stub_path.read_text())
    assert not report.passed and report.error_kind == "not-implemented"


CORRECT = {
    "exclusive-cumsum-scatter": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, order = probs.sort(dim=-1, descending=True)
            sp = torch.where(sp.cumsum(-1) - sp < p, sp, torch.zeros_like(sp))
            kept = torch.zeros_like(probs).scatter(-1, order, sp)
            return kept / kept.sum(-1, keepdim=True)
    """,
    "hf-style-shifted-mask-on-logits": """
        import torch
        def top_p_probs(logits, temperature, p):
            s = logits / temperature
            sorted_logits, idx = torch.sort(s, descending=True)
            cum = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
            remove = cum > p
            remove[..., 1:] = remove[..., :-1].clone()
            remove[..., 0] = False
            mask = remove.scatter(-1, idx, remove)
            return torch.softmax(s.masked_fill(mask, float('-inf')), dim=-1)
    """,
    "gather-with-inverse-permutation": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits.double() / temperature, dim=-1)
            sp, order = probs.sort(dim=-1, descending=True)
            above = torch.cat([torch.zeros_like(sp[..., :1]), sp.cumsum(-1)[..., :-1]], dim=-1)
            keep_sorted = above < p
            keep = keep_sorted.gather(-1, order.argsort(dim=-1))
            kept = probs * keep
            return (kept / kept.sum(-1, keepdim=True)).to(logits.dtype)
    """,
    "python-loop-over-rows": """
        import torch
        def top_p_probs(logits, temperature, p):
            flat = torch.softmax(logits.reshape(-1, logits.shape[-1]).double() / temperature, dim=-1)
            out = torch.zeros_like(flat)
            for r in range(flat.shape[0]):
                above = 0.0
                for i in flat[r].argsort(descending=True).tolist():
                    if above >= p:
                        break
                    out[r, i] = flat[r, i]
                    above += float(flat[r, i])
            out = out / out.sum(-1, keepdim=True)
            return out.reshape(logits.shape).to(logits.dtype)
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("top-p", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "drops the token that crosses p": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, order = probs.sort(dim=-1, descending=True)
            keep = sp.cumsum(-1) <= p
            keep[..., 0] = True          # always keep the top token
            kept = torch.zeros_like(probs).scatter(-1, order, sp * keep)
            return kept / kept.sum(-1, keepdim=True)
    """,
    "cumulative mass includes the token itself": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, order = torch.sort(probs, descending=True)
            sp[sp.cumsum(dim=-1) > p] = 0.0
            kept = torch.zeros_like(probs).scatter(-1, order, sp)
            return kept / kept.sum(dim=-1, keepdim=True)
    """,
    "not renormalised": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, order = probs.sort(dim=-1, descending=True)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            return torch.zeros_like(probs).scatter(-1, order, sp)
    """,
    "temperature ignored": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits, dim=-1)
            sp, order = probs.sort(dim=-1, descending=True)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            kept = torch.zeros_like(probs).scatter(-1, order, sp) / temperature
            return kept / kept.sum(-1, keepdim=True)
    """,
    "temperature applied to the probabilities (p ** (1/T))": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits, dim=-1) ** (1 / temperature)
            probs = probs / probs.sum(-1, keepdim=True)
            sp, order = probs.sort(dim=-1, descending=True)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            kept = torch.zeros_like(probs).scatter(-1, order, sp)
            return kept / kept.sum(-1, keepdim=True)
    """,
    "sorted ascending": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, order = torch.sort(probs)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            kept = torch.zeros_like(probs).scatter(-1, order, sp)
            return kept / kept.sum(-1, keepdim=True)
    """,
    "left in sorted order": """
        import torch
        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, dim=-1)
            sp, _ = probs.sort(dim=-1, descending=True)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            return sp / sp.sum(-1, keepdim=True)
    """,
    "softmax overflows (max not subtracted)": """
        import torch
        def top_p_probs(logits, temperature, p):
            e = torch.exp(logits / temperature)
            probs = e / e.sum(-1, keepdim=True)
            sp, order = probs.sort(dim=-1, descending=True)
            sp = sp * ((sp.cumsum(-1) - sp) < p)
            kept = torch.zeros_like(probs).scatter(-1, order, sp)
            return kept / kept.sum(-1, keepdim=True)
    """,
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("top-p", WRONG[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake, report.diagnosis


def test_distributions_are_banned_through_top_k(grade):
    report = grade("top-p", """
        import torch
        from torch.distributions import Categorical
        def top_p_probs(logits, temperature, p):
            return Categorical(logits=logits / temperature).probs
    """)
    assert not report.passed and report.score == 0.0
    assert any(v.api.startswith("torch.distributions") and v.line == 3 for v in report.violations), report.violations
