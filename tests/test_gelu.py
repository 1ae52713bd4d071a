"""gelu: the reference agrees with PyTorch; correct styles pass; mistakes fail and are named;
every route to the built-in kernel is flagged."""

import pytest
import torch
import torch.nn.functional as F

from conftest import failing_messages


def test_reference_matches_torch_tanh_gelu(course):
    ref = course.get("gelu").reference
    for case in ref.cases(0) + ref.cases(7):
        x = case.inputs["x"]
        tol = 1e-6 if x.dtype == torch.float32 else 1e-12
        torch.testing.assert_close(ref.gelu(x), F.gelu(x, approximate="tanh"), atol=tol, rtol=1e-6)


def test_reference_stays_finite_where_x_cubed_overflows(course):
    ref = course.get("gelu").reference
    x = torch.tensor([-1e13, -20.0, 20.0, 1e13])
    assert torch.isinf(x**3).any()
    out = ref.gelu(x)
    torch.testing.assert_close(out, torch.tensor([0.0, 0.0, 20.0, 1e13]), atol=1e-6, rtol=1e-6)


def test_the_tolerance_separates_erf_from_tanh(course):
    problem = course.get("gelu")
    atol, rtol = problem.tolerance("float32")
    x = torch.linspace(-6, 6, 1201)
    gap = (F.gelu(x) - F.gelu(x, approximate="tanh")).abs()
    assert (gap > atol + rtol * x.abs()).sum() > 100  # hundreds of points tell them apart


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("gelu", course.get("gelu").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


CORRECT = {
    "formula": """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    """,
    "sigmoid-identity": """
        import math, torch
        def gelu(x):
            # 0.5 * (1 + tanh(z)) == sigmoid(2 z)
            return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))
    """,
    "float64-inside": """
        import math, torch
        def gelu(x):
            y = x.double()
            inner = 0.7978845608028654 * y * (1.0 + 0.044715 * y.pow(2))
            return (0.5 * y * (1.0 + inner.tanh())).to(x.dtype)
    """,
    "python-loop": """
        import math, torch
        def gelu(x):
            c = math.sqrt(2 / math.pi)
            flat = [0.5 * v * (1 + math.tanh(c * (v + 0.044715 * v**3))) for v in x.reshape(-1).tolist()]
            return torch.tensor(flat, dtype=torch.float64).reshape(x.shape).to(x.dtype)
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("gelu", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "exact (erf) GELU instead of the tanh approximation": """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    """,
    "sigmoid approximation x * sigmoid(1.702 x)": """
        import torch
        def gelu(x):
            return x * torch.sigmoid(1.702 * x)
    """,
    "SiLU (swish) instead of GELU": """
        import torch
        def gelu(x):
            return x * torch.sigmoid(x)
    """,
    "factor 0.5 missing": """
        import math, torch
        def gelu(x):
            return x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    """,
    "sqrt(2 * pi) instead of sqrt(2 / pi)": """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 * math.pi) * (x + 0.044715 * torch.pow(x, 3))))
    """,
    "x**2 instead of x**3 in the cubic term": """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x)))
    """,
    "sqrt(2/pi) multiplies x only, not the cubic term": """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * x + 0.044715 * x**3))
    """,
    "tanh built from exp overflows": """
        import math, torch
        def tanh(z):
            return (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z))
        def gelu(x):
            return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    """,
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("gelu", WRONG[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_unknown_mistake_is_not_misnamed(grade):
    report = grade("gelu", """
        import math, torch
        def gelu(x):
            return 0.5 * x * (1 + torch.tanh(0.8 * (x + 0.044715 * x**3)))  # constant rounded too far
    """)
    assert not report.passed
    # No known mistake fits; the evidence layer fits the curve and reads the constant back.
    assert report.diagnosis["evidence"] == "property"
    assert report.diagnosis["name"].startswith("the constant in front is 0.8,")


def test_in_place_edit_of_input_fails(grade):
    report = grade("gelu", """
        import math, torch
        def gelu(x):
            half = 0.5 * x
            x.mul_(1 + 0.044715 * x * x).mul_(math.sqrt(2 / math.pi)).tanh_().add_(1)
            return half * x
    """)
    assert not report.passed
    assert "in place" in failing_messages(report)
    # The output itself is right: no catalogued mistake, property or stage; the broken rule is the diagnosis.
    d = report.diagnosis
    assert d["evidence"] == "check" and "changed its input `x` in place" in d["name"], d
    assert "must not change its inputs in place" in d["explanation"]


BANNED = [
    ("import torch.nn.functional as F\ndef gelu(x):\n    return F.gelu(x, approximate='tanh')\n", "attribute"),
    ("from torch.nn.functional import gelu as g\ndef gelu(x):\n    return g(x, approximate='tanh')\n", "import"),
    ("import torch\ndef gelu(x):\n    return torch.nn.GELU(approximate='tanh')(x)\n", "attribute"),
    ("import torch\nact = torch.nn.GELU('tanh')\ndef gelu(x):\n    return act(x)\n", "attribute"),
    ("import torch\ndef gelu(x):\n    return getattr(torch.nn.functional, 'ge' + 'lu')(x, approximate='tanh')\n", "getattr"),
    ("import torch\ndef gelu(x):\n    return torch.ops.aten.gelu(x, approximate='tanh')\n", "attribute"),
    ("import torch\ndef gelu(x):\n    return torch._C._nn.gelu(x, approximate='tanh')\n", "attribute"),
]


@pytest.mark.parametrize("source, how", BANNED)
def test_banned_uses_are_flagged_with_line(grade, source, how):
    report = grade("gelu", source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert banned[0].file == "gelu.py" and banned[0].line in (1, 2, 3)
    assert how in banned[0].how
    assert banned[0].api in ("torch.nn.functional.gelu", "torch.nn.GELU")


@pytest.mark.parametrize("call, how", [
    ("torch.ops.aten.gelu(x, approximate='tanh')", "run time: aten.gelu"),
    ("torch._C._nn.gelu(x, approximate='tanh')", "run time: torch function"),
    ("torch.nn.GELU('tanh')(x)", "run time: constructed"),
])
def test_banned_calls_are_also_caught_at_run_time(grade, call, how):
    """Besides the static scan, the guard stops the call itself while the function runs."""
    report = grade("gelu", f"import torch\ndef gelu(x):\n    return {call}\n")
    runtime = [v for v in report.violations if v.how.startswith("run time")]
    assert runtime and runtime[0].how.startswith(how) and runtime[0].line == 3
    assert all(c.status == "banned" and not c.passed for c in report.cases)


def test_allowed_elementwise_code_is_not_flagged(grade):
    report = grade("gelu", """
        import math
        import torch
        import torch.nn.functional as F
        def gelu(x):
            z = math.sqrt(2 / math.pi) * torch.add(x, torch.mul(0.044715, torch.pow(x, 3)))
            gate = 0.5 * (1 + torch.tanh(z)) if x.dtype == torch.float64 else F.sigmoid(2 * z)
            return torch.where(torch.isfinite(z), x * gate, F.relu(x))
    """)
    assert report.violations == []
    assert report.passed, failing_messages(report)


def test_a_sigmoid_of_the_unscaled_argument_is_read_both_ways(grade):
    # x * sigmoid(z) with z the tanh form's argument is the tanh form with z halved:
    # the property says so, with the sigmoid reading as an alternative, not a guess.
    report = grade("gelu", """
        import math, torch
        def gelu(x):
            return x * torch.sigmoid(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))
    """)
    assert not report.passed and report.diagnosis["evidence"] == "property"
    assert "sigmoid(z) where sigmoid(2z) belongs" in report.diagnosis["name"]
