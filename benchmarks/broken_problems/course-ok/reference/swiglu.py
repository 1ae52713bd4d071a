"""Hidden reference for swiglu: the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def swiglu(x, w_gate, w_up, w_down):
    gate = x @ w_gate
    up = x @ w_up
    return (gate * torch.sigmoid(gate) * up) @ w_down  # role: silu on the gate only


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, lead, d, d_ff, about, xscale=1.0, dtype=torch.float32):
        return Case(name, {
            "x": randn(g(key), *lead, d, scale=xscale, dtype=dtype),
            "w_gate": randn(g(key + "-g"), d, d_ff, scale=1.0 / math.sqrt(d), dtype=dtype),
            "w_up": randn(g(key + "-u"), d, d_ff, scale=1.0 / math.sqrt(d), dtype=dtype),
            "w_down": randn(g(key + "-d"), d_ff, d, scale=1.0 / math.sqrt(d_ff), dtype=dtype),
        }, about)

    return [
        case("typical (2, 5, 16), d_ff 32", "typical", (2, 5), 16, 32, "a batch of sequences", xscale=2.0),
        case("one vector (12,), d_ff 20", "vec", (), 12, 20, "no batch dimension", xscale=2.0),
        case("wide (4, 8), d_ff 64", "wide", (4,), 8, 64, "d_ff much wider than d_model", xscale=2.0),
        case("large pre-activations (3, 10)", "large", (3,), 10, 16, "gates far from 0: SiLU saturates to 0 or to z",
             xscale=60.0),
        case("float64 (2, 3, 12), d_ff 24", "f64", (2, 3), 12, 24, "keep the input's dtype", xscale=2.0,
             dtype=torch.float64),
    ]


def _silu(z):
    return z * torch.sigmoid(z)


def _swapped(x, w_gate, w_up, w_down):
    return (_silu(x @ w_up) * (x @ w_gate)) @ w_down


def _gelu_gate(x, w_gate, w_up, w_down):
    z = x @ w_gate
    return (0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3))) * (x @ w_up)) @ w_down


def _sigmoid_gate(x, w_gate, w_up, w_down):
    return (torch.sigmoid(x @ w_gate) * (x @ w_up)) @ w_down


def _silu_both(x, w_gate, w_up, w_down):
    return (_silu(x @ w_gate) * _silu(x @ w_up)) @ w_down


MISTAKES = [
    Mistake("gate and value swapped", _swapped, "SiLU is applied to x @ w_up and gates x @ w_gate.",
            "silu(x @ w_gate) * (x @ w_up)."),
    Mistake("GELU gate", _gelu_gate, "The gate uses GELU (GeGLU), not SiLU.", "silu(z) = z * sigmoid(z)."),
    Mistake("sigmoid gate", _sigmoid_gate, "The gate is sigmoid(z), not z * sigmoid(z).",
            "Multiply by z: silu(z) = z * sigmoid(z)."),
    Mistake("SiLU on both projections", _silu_both, "The value projection went through SiLU too.",
            "Only the gate goes through SiLU."),
]
