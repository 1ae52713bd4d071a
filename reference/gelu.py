"""Hidden reference for gelu: the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import CREDIT_WITH, Case, generator, non_contiguous, randn
from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")


def gelu(x):
    return M.gelu(x)  # 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def spread(name, n, lo, hi, dtype=torch.float32):
        """An even grid over [lo, hi] (so every region is covered) plus seeded jitter."""
        grid = torch.linspace(lo, hi, n, dtype=torch.float64)
        jitter = (torch.rand(n, generator=g(name), dtype=torch.float64) - 0.5) * (hi - lo) / n
        return (grid + jitter).clamp(lo, hi).to(dtype)

    huge = torch.tensor([-1e13, -1e6, -1e3, -50.0, -12.0, 12.0, 50.0, 1e3, 1e6, 1e13])
    return [
        Case("typical (4, 32)", {"x": randn(g("typical"), 4, 32, scale=2.0)}, "activations of a small MLP"),
        Case("spread over [-6, 6]", {"x": spread("grid", 1201, -6.0, 6.0).reshape(1, 1201)},
             "where the tanh and the exact (erf) GELU differ most (|x| near 2.7)"),
        Case("large |x| up to 20", {"x": spread("large", 161, -20.0, 20.0).reshape(7, 23)},
             "tanh saturates: GELU(x) -> x for large x, -> 0 for very negative x"),
        Case("huge |x| (x**3 overflows float32)", {"x": huge},
             "x**3 is inf for |x| = 1e13, yet GELU stays finite (x or 0)"),
        Case("edge: zero and tiny values", {"x": torch.tensor([0.0, 1e-7, -1e-7, 1e-4, -1e-4, 1e-2, -1e-2])},
             "GELU(0) = 0; near 0 it is about x / 2"),
        Case("edge: 0-d tensor", {"x": torch.tensor(1.5)}, "a single number, no dimensions"),
        Case("edge: 0-d float64", {"x": torch.tensor(-0.75, dtype=torch.float64)}, "a single number in float64: "
             "it stays a 0-d float64 tensor"),
        Case("edge: empty (0, 8)", {"x": torch.zeros(0, 8)}, "no elements: return an empty tensor of the same shape "
             "(credited only with the typical case: an empty answer is no work)",
             options={CREDIT_WITH: "typical (4, 32)"}),
        Case("4-D input (2, 3, 4, 5)", {"x": randn(g("4d"), 2, 3, 4, 5, scale=3.0)}, "any shape works elementwise"),
        non_contiguous(Case("non-contiguous (3, 4, 10)", {"x": randn(g("strided"), 3, 4, 10, scale=3.0)},
                            "x in another memory layout (a transposed view): `.view` raises, `reshape` works"), "x"),
        Case("float64", {"x": randn(g("f64"), 3, 50, dtype=torch.float64, scale=3.0)}, "keep the input's dtype"),
        Case("float64 spread over [-8, 8]", {"x": spread("grid64", 801, -8.0, 8.0, torch.float64)},
             "float64 precision over the whole interesting range"),
    ]


C = math.sqrt(2.0 / math.pi)


def _erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _quick(x):
    return x * torch.sigmoid(1.702 * x)


def _silu(x):
    return x * torch.sigmoid(x)


def _no_half(x):
    return x * (1.0 + torch.tanh(C * (x + 0.044715 * x**3)))


def _no_x(x):
    return 0.5 * (1.0 + torch.tanh(C * (x + 0.044715 * x**3)))


def _sqrt_2pi(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 * math.pi) * (x + 0.044715 * x**3)))


def _no_sqrt(x):
    return 0.5 * x * (1.0 + torch.tanh(2.0 / math.pi * (x + 0.044715 * x**3)))


def _square(x):
    return 0.5 * x * (1.0 + torch.tanh(C * (x + 0.044715 * x**2)))


def _const_on_x_only(x):
    return 0.5 * x * (1.0 + torch.tanh(C * x + 0.044715 * x**3))


def _no_cubic(x):
    return 0.5 * x * (1.0 + torch.tanh(C * x))


def _exp_tanh(x):
    z = C * (x + 0.044715 * x**3)
    return 0.5 * x * (1.0 + (torch.exp(z) - torch.exp(-z)) / (torch.exp(z) + torch.exp(-z)))


def _exp_tanh_2z(x):
    e = torch.exp(2.0 * C * (x + 0.044715 * x**3))
    return 0.5 * x * (1.0 + (e - 1.0) / (e + 1.0))


_EXP_TANH = ("tanh is computed with exp, which overflows: for |x| above about 10 in float32, e^z is inf "
             "and inf / inf is nan.", "Use torch.tanh (or the identity 0.5 * (1 + tanh(z)) = sigmoid(2z) with torch.sigmoid).")

MISTAKES = [
    Mistake("exact (erf) GELU instead of the tanh approximation", _erf,
            "The code computes the exact GELU 0.5 * x * (1 + erf(x / sqrt(2))). GPT-2 and BERT use the tanh "
            "approximation; the two differ by up to about 5e-4, far beyond the tolerance.",
            "Use 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))."),
    Mistake("sigmoid approximation x * sigmoid(1.702 x)", _quick,
            "The code uses the 'quick GELU' x * sigmoid(1.702 x) from CLIP; this problem asks for the tanh "
            "approximation, which differs from it by up to about 0.02.",
            "Use the tanh formula with the cubic term."),
    Mistake("SiLU (swish) instead of GELU", _silu,
            "x * sigmoid(x) is SiLU (swish), a different activation; GELU's curve dips less and bends sooner.",
            "Use 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3)))."),
    Mistake("factor 0.5 missing", _no_half,
            "The result is x * (1 + tanh(...)), twice GELU: the leading 0.5 is missing.",
            "Multiply by 0.5 * x, not by x."),
    Mistake("factor x missing (returns the gate only)", _no_x,
            "The code returns 0.5 * (1 + tanh(...)), the smooth step (approximately Phi(x)) that GELU multiplies x by.",
            "Multiply the gate by x: 0.5 * x * (1 + tanh(...))."),
    Mistake("sqrt(2 * pi) instead of sqrt(2 / pi)", _sqrt_2pi,
            "The constant in front of the bracket is sqrt(2 * pi) (about 2.51); it should be sqrt(2 / pi) (about 0.798).",
            "math.sqrt(2 / math.pi)."),
    Mistake("2 / pi without the square root", _no_sqrt,
            "The constant is 2 / pi (about 0.637); it should be its square root, sqrt(2 / pi) (about 0.798).",
            "math.sqrt(2 / math.pi)."),
    Mistake("x**2 instead of x**3 in the cubic term", _square,
            "The correction term is 0.044715 * x**2; it is a cube, 0.044715 * x**3 (odd, like x itself).",
            "Use x**3 (or x * x * x)."),
    Mistake("sqrt(2/pi) multiplies x only, not the cubic term", _const_on_x_only,
            "The code computes tanh(sqrt(2/pi) * x + 0.044715 * x**3): the constant must multiply the whole "
            "bracket (x + 0.044715 * x**3).",
            "Put the brackets around x + 0.044715 * x**3 before multiplying by sqrt(2/pi)."),
    Mistake("cubic term missing", _no_cubic,
            "The code computes 0.5 * x * (1 + tanh(sqrt(2/pi) * x)) without the 0.044715 * x**3 correction.",
            "Add 0.044715 * x**3 inside the bracket."),
    Mistake("tanh built from exp overflows", _exp_tanh, *_EXP_TANH),
    Mistake("tanh built from exp overflows", _exp_tanh_2z, *_EXP_TANH),
]
