"""top-k: the reference agrees with a plain float64 loop; the cases keep their promises
(no boundary ties, overflow for a naive exp); correct styles pass; mistakes are named."""

import math

import pytest
import torch

from conftest import failing_messages


def _loop_top_k(logits, temperature, k):
    """An independent float64 spec: sort each row in Python, exp relative to the max."""
    flat = logits.double().reshape(-1, logits.shape[-1])
    out = torch.zeros_like(flat)
    for r, row in enumerate(flat.tolist()):
        s = [v / temperature for v in row]
        keep = sorted(range(len(s)), key=lambda i: -s[i])[:k]
        top = max(s[i] for i in keep)
        w = {i: math.exp(s[i] - top) if s[i] != -math.inf else 0.0 for i in keep}
        for i in keep:
            out[r, i] = w[i] / sum(w.values())
    return out.reshape(logits.shape)


def test_reference_matches_a_float64_loop(course):
    ref = course.get("top-k").reference
    for case in ref.cases(0) + ref.cases(5):
        got = ref.top_k_probs(**case.inputs)
        assert got.dtype == case.inputs["logits"].dtype and got.shape == case.inputs["logits"].shape
        torch.testing.assert_close(got.double(), _loop_top_k(**case.inputs), atol=1e-6, rtol=1e-5)


def test_cases_keep_the_boundary_clear_of_ties(course):
    ref = course.get("top-k").reference
    for seed in range(20):
        for case in ref.cases(seed):
            x, t, k = case.inputs["logits"], case.inputs["temperature"], case.inputs["k"]
            assert ref.boundary_gap(x, t, k) >= 1e-3 or x.dtype == torch.float64, (seed, case.name)


def test_a_naive_exp_overflows_on_the_large_cases(course):
    ref = course.get("top-k").reference
    by_name = {c.name: c for c in ref.cases(0)}
    for name in ("large logits: +-1e4 + noise, T = 1", "cold: T = 0.05, k = 6",
                 "huge spread: logits ~ 1e4 * randn, T = 200"):
        inputs = by_name[name].inputs
        assert torch.isnan(ref._naive_softmax(**inputs)).any(), name
        assert torch.isfinite(ref.top_k_probs(**inputs)).all(), name


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("top-k", course.get("top-k").stub_path.read_text())
    assert not report.passed and report.error_kind == "not-implemented"


CORRECT = {
    "topk-mask-softmax": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            kth = torch.topk(s, k, dim=-1).values[..., -1:]
            return torch.softmax(torch.where(s >= kth, s, torch.full_like(s, float('-inf'))), dim=-1)
    """,
    "scatter-top-values": """
        import torch
        def top_k_probs(logits, temperature, k):
            values, idx = (logits / temperature).topk(k, dim=-1)
            return torch.zeros_like(logits).scatter(-1, idx, torch.softmax(values, dim=-1))
    """,
    "softmax-then-renormalise": """
        import torch
        def top_k_probs(logits, temperature, k):
            probs = torch.softmax(logits / temperature, dim=-1)
            kth = probs.sort(dim=-1, descending=True).values[..., k - 1:k]
            probs = probs * (probs >= kth)
            return probs / probs.sum(dim=-1, keepdim=True)
    """,
    "manual-max-subtraction-float64": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits.double() / temperature
            kth = s.sort(dim=-1, descending=True).values[..., k - 1:k]
            s = s.masked_fill(s < kth, float('-inf'))
            e = torch.exp(s - s.max(dim=-1, keepdim=True).values)
            return (e / e.sum(dim=-1, keepdim=True)).to(logits.dtype)
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("top-k", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "temperature ignored": """
        import torch
        def top_k_probs(logits, temperature, k):
            probs = torch.softmax(logits, dim=-1) / temperature   # temperature after the softmax
            kth = probs.topk(k, dim=-1).values[..., -1:]
            probs = probs.masked_fill(probs < kth, 0.0)
            return probs / probs.sum(-1, keepdim=True)
    """,
    "temperature multiplied": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits * temperature
            kth = s.topk(k, dim=-1).values[..., -1:]
            return torch.softmax(s.masked_fill(s < kth, float('-inf')), dim=-1)
    """,
    "temperature applied to the probabilities (p ** (1/T))": """
        import torch
        def top_k_probs(logits, temperature, k):
            probs = torch.softmax(logits, dim=-1).pow(1 / temperature)
            values, idx = probs.topk(k, dim=-1)
            return torch.zeros_like(probs).scatter(-1, idx, values / values.sum(-1, keepdim=True))
    """,
    "probabilities divided by the temperature": """
        import torch
        def top_k_probs(logits, temperature, k):
            kth = logits.topk(k, dim=-1).values[..., -1:]
            return torch.softmax(logits.masked_fill(logits < kth, float('-inf')), dim=-1) / temperature
    """,
    "keeps k + 1 tokens": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            desc = s.sort(dim=-1, descending=True).values
            kth = desc[..., min(k, s.shape[-1] - 1)].unsqueeze(-1)   # 0-based: this is the (k+1)-th
            return torch.softmax(s.masked_fill(s < kth, float('-inf')), dim=-1)
    """,
    "not renormalised": """
        import torch
        def top_k_probs(logits, temperature, k):
            probs = torch.softmax(logits / temperature, dim=-1)
            _, idx = probs.topk(k, dim=-1)
            return torch.zeros_like(probs).scatter(-1, idx, probs.gather(-1, idx))
    """,
    "masked with 0 instead of -inf": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            _, idx = s.topk(k, dim=-1)
            mask = torch.zeros_like(s, dtype=torch.bool).scatter(-1, idx, True)
            return torch.softmax(torch.where(mask, s, torch.zeros_like(s)), dim=-1)
    """,
    "softmax overflows (max not subtracted)": """
        import torch
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            kth = s.topk(k, dim=-1).values[..., -1:]
            e = torch.exp(s) * (s >= kth)
            return e / e.sum(dim=-1, keepdim=True)
    """,
    "softmax overflows (max not subtracted) [own softmax]": """
        import torch
        def softmax(x):
            e = x.exp()
            return e / e.sum(-1, keepdim=True)
        def top_k_probs(logits, temperature, k):
            s = logits / temperature
            v, _ = torch.topk(s, k)
            s[s < v[..., [-1]]] = -float('Inf')
            return softmax(s)
    """,
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("top-k", WRONG[mistake])
    assert not report.passed
    name = mistake.split(" [")[0]  # "[...]": a second way of writing the same mistake
    assert report.diagnosis is not None and report.diagnosis["name"] == name, report.diagnosis


def test_multinomial_is_banned(grade):
    report = grade("top-k", """
        import torch
        def top_k_probs(logits, temperature, k):
            torch.multinomial(torch.ones(1, 2), 1)
            return torch.softmax(logits / temperature, dim=-1)
    """)
    assert not report.passed and report.score == 0.0
    assert any(v.api == "torch.multinomial" and v.line == 4 for v in report.violations), report.violations
