"""Hidden reference for swiglu-mlp: the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def swiglu_mlp(x, w_gate, w_up, w_down):
    g = x @ w_gate  # role: the gate projection
    return (g * torch.sigmoid(g) * (x @ w_up)) @ w_down


def _inputs(g, lead, d, f, dtype=torch.float32, x_scale=1.0):
    return {"x": randn(g, *lead, d, dtype=dtype, scale=x_scale),
            "w_gate": randn(g, d, f, dtype=dtype, scale=d ** -0.5),
            "w_up": randn(g, d, f, dtype=dtype, scale=d ** -0.5),
            "w_down": randn(g, f, d, dtype=dtype, scale=f ** -0.5)}


def cases(seed: int) -> list[Case]:
    def case(name, about, *args, **kw):
        return Case(name, _inputs(generator(seed, name), *args, **kw), about)

    return [
        case("typical (2, 5, 16), f = 32", "a batch of sequences", (2, 5), 16, 32),
        case("2-D input (7, 12), f = 20", "no batch dimension", (7,), 12, 20),
        case("narrow hidden (3, 4, 24), f = 8", "f smaller than d", (3, 4), 24, 8),
        case("large activations (2, 6, 16), f = 24", "pre-activations of a few units: SiLU is far from linear",
             (2, 6), 16, 24, x_scale=3.0),
        case("float64 (2, 5, 16), f = 40", "keep the input's dtype", (2, 5), 16, 40, dtype=torch.float64),
    ]


def _swapped(x, w_gate, w_up, w_down):
    u = x @ w_up
    return (u * torch.sigmoid(u) * (x @ w_gate)) @ w_down


def _sigmoid_gate(x, w_gate, w_up, w_down):
    return (torch.sigmoid(x @ w_gate) * (x @ w_up)) @ w_down


def _gelu_gate(x, w_gate, w_up, w_down):
    g = x @ w_gate
    return (0.5 * g * (1 + torch.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g ** 3))) * (x @ w_up)) @ w_down


def _no_up(x, w_gate, w_up, w_down):
    g = x @ w_gate
    return (g * torch.sigmoid(g)) @ w_down


MISTAKES = [
    Mistake("gate and up projections swapped", _swapped,
            "SiLU was applied to x @ w_up and x @ w_gate entered linearly; the gate is the w_gate projection.",
            "silu(x @ w_gate) * (x @ w_up)."),
    Mistake("sigmoid instead of SiLU", _sigmoid_gate,
            "The gate is sigmoid(x @ w_gate); SiLU is z * sigmoid(z).", "Multiply by the pre-activation: g * sigmoid(g)."),
    Mistake("GELU instead of SiLU", _gelu_gate,
            "The gate uses GELU (that is GeGLU); SwiGLU uses SiLU.", "silu(z) = z * torch.sigmoid(z)."),
    Mistake("up projection missing", _no_up,
            "The code returns silu(x @ w_gate) @ w_down: the gated product with x @ w_up is missing.",
            "Multiply the gate elementwise by x @ w_up before w_down."),
]
