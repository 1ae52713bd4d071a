"""layer-norm: the reference agrees with PyTorch; correct styles pass; mistakes fail and are named."""

import pytest
import torch
import torch.nn.functional as F

from conftest import failing_messages


def test_reference_matches_torch_layer_norm(course):
    problem = course.get("layer-norm")
    ref = problem.reference
    for case in ref.cases(0) + ref.cases(7):
        x = case.inputs["x"]
        eps = case.inputs.get("eps", 1e-5)
        # Against torch's own layer norm computed in float64 (in float32 it is itself off by
        # 1.6e-5 on rows around 100, more than the reference).
        expected = F.layer_norm(x.double(), x.shape[-1:], eps=eps).to(x.dtype)
        atol = case.tolerance[0] if case.tolerance else (1e-5 if x.dtype == torch.float32 else 1e-12)
        torch.testing.assert_close(ref.layer_norm(x, eps), expected, atol=atol, rtol=1e-5)


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("layer-norm", course.get("layer-norm").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


CORRECT = {
    "mean-and-var": """
        import torch
        def layer_norm(x, eps=1e-5):
            mean = x.mean(-1, keepdim=True)
            var = x.var(-1, keepdim=True, unbiased=False)
            return (x - mean) / torch.sqrt(var + eps)
    """,
    "rsqrt-correction": """
        import torch
        def layer_norm(x, eps=1e-5):
            centred = x - x.mean(dim=-1, keepdim=True)
            return centred * torch.rsqrt(centred.pow(2).mean(dim=-1, keepdim=True) + eps)
    """,
    "float64-inside-loops": """
        import torch, math
        def layer_norm(x, eps=1e-5):
            flat = x.reshape(-1, x.shape[-1]).double()
            rows = []
            for row in flat:
                m = sum(row.tolist()) / len(row)
                v = sum((r - m) ** 2 for r in row.tolist()) / len(row)
                rows.append((row - m) / math.sqrt(v + eps))
            return torch.stack(rows).reshape(x.shape).to(x.dtype)
    """,
    "einsum": """
        import torch
        def layer_norm(x, eps=1e-5):
            d = x.shape[-1]
            mean = torch.einsum('...d->...', x)[..., None] / d
            c = x - mean
            var = torch.einsum('...d,...d->...', c, c)[..., None] / d
            return c / (var + eps).sqrt()
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("layer-norm", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "unbiased variance": """
        import torch
        def layer_norm(x, eps=1e-5):
            return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + eps)
    """,
    "eps outside the square root": """
        import torch
        def layer_norm(x, eps=1e-5):
            return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True, unbiased=False) + eps)
    """,
    "eps missing": """
        def layer_norm(x, eps=1e-5):
            return (x - x.mean(-1, keepdim=True)) / x.std(-1, keepdim=True, unbiased=False)
    """,
    "eps argument ignored": """
        def layer_norm(x, eps=1e-5):
            c = x - x.mean(-1, keepdim=True)
            return c / ((c * c).mean(-1, keepdim=True) + 1e-5).sqrt()
    """,
    "normalised over all elements": """
        def layer_norm(x, eps=1e-5):
            return (x - x.mean()) / (x.var(unbiased=False) + eps).sqrt()
    """,
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("layer-norm", WRONG[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_float32_round_trip_is_required(grade):
    report = grade("layer-norm", """
        def layer_norm(x, eps=1e-5):
            x = x.double()
            c = x - x.mean(-1, keepdim=True)
            return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
    """)
    assert not report.passed
    assert "dtype" in failing_messages(report)


def test_in_place_edit_of_input_fails(grade):
    report = grade("layer-norm", """
        def layer_norm(x, eps=1e-5):
            x -= x.mean(-1, keepdim=True)
            return x / ((x * x).mean(-1, keepdim=True) + eps).sqrt()
    """)
    assert not report.passed
    assert "in place" in failing_messages(report)


@pytest.mark.parametrize("source, how", [
    ("import torch.nn.functional as F\ndef layer_norm(x, eps=1e-5):\n    return F.layer_norm(x, x.shape[-1:], eps=eps)\n", "attribute"),
    ("import torch\nln = torch.nn.LayerNorm\ndef layer_norm(x, eps=1e-5):\n    return ln(x.shape[-1], eps=eps, elementwise_affine=False)(x)\n", "attribute"),
    ("import torch\ndef layer_norm(x, eps=1e-5):\n    return torch.native_layer_norm(x, x.shape[-1:], None, None, eps)[0]\n", "attribute"),
    ("import torch\ndef layer_norm(x, eps=1e-5):\n    return getattr(torch.nn.functional, 'layer' + '_norm')(x, x.shape[-1:], eps=eps)\n", "getattr"),
    ("import torch\ndef layer_norm(x, eps=1e-5):\n    return torch.ops.aten.native_layer_norm(x, x.shape[-1:], None, None, eps)[0]\n", "attribute"),
])
def test_banned_uses_are_flagged_with_line(grade, source, how):
    report = grade("layer-norm", source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert banned[0].line in (2, 3) and banned[0].file == "layer_norm.py"
    assert how in banned[0].how
