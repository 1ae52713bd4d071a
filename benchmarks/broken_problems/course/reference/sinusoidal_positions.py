"""Hidden reference for sinusoidal-positions: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint
from grader.mistakes import Mistake


def sinusoidal_positions(positions, d_model, base=10000.0):
    two_i = torch.arange(0, d_model, 2, dtype=positions.dtype)  # role: 2i for each pair of features
    freq = base ** (-two_i / d_model)
    ang = positions[..., None] * freq
    return torch.stack([ang.sin(), ang.cos()], dim=-1).flatten(-2)  # role: sin even, cos odd, interleaved


PROBLEM_ATOL = {torch.float32: 1e-5, torch.float64: 1e-10}
PROBLEM_RTOL = {torch.float32: 1e-4, torch.float64: 1e-8}


def angle_tolerance(positions):
    """A float32 angle p * freq is exact only to about 0.4 * eps * |p| (measured over
    formulations: base ** (-2i/d), exp(-2i log(base) / d), p / base ** (2i/d)); allow 4 * eps * max|p|.
    None: the problem's tolerance is wide enough (up to ten times its atol: short contexts)."""
    eps = torch.finfo(positions.dtype).eps
    atol = 4 * eps * float(positions.abs().max())
    if atol <= 10 * PROBLEM_ATOL[positions.dtype]:
        return None
    return (atol, PROBLEM_RTOL[positions.dtype])


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, high, shape, d_model, about, base=None, dtype=torch.float32):
        p = randint(g(key), high, *shape).to(dtype)
        inputs = {"positions": p, "d_model": d_model}
        if base is not None:
            inputs["base"] = base
        return Case(name, inputs, about, tolerance=angle_tolerance(p))

    return [
        case("batch of positions (2, 12), d_model 16", "typical", 64, (2, 12), 16, "positions in a batch"),
        case("1-D positions (20,), d_model 32", "1d", 48, (20,), 32, "no batch dimension"),
        case("custom base 100, d_model 8", "base", 40, (3, 5), 8, "use the base you are given", base=100.0),
        case("d_model 2", "d2", 30, (7,), 2, "one frequency: [sin p, cos p]"),
        Case("long context: positions up to 8192, d_model 64",
             {"positions": randint(g("long"), 8192, 2, 16).to(torch.float32), "d_model": 64},
             "large angles: float32 rounding of p * freq is allowed for"),
        case("float64 (3, 10), d_model 24", "f64", 100, (3, 10), 24, "keep the positions' dtype",
             dtype=torch.float64),
    ]


def _divide_by_power(positions, d_model, base=10000.0):
    i = torch.arange(d_model // 2, dtype=positions.dtype)
    ang = positions[..., None] / base ** (2 * i / d_model)
    out = torch.empty(*positions.shape, d_model, dtype=positions.dtype)
    out[..., 0::2] = ang.sin()
    out[..., 1::2] = ang.cos()
    return out


CORRECT_VARIANTS = [_divide_by_power]


def _halves(positions, d_model, base=10000.0):
    two_i = torch.arange(0, d_model, 2, dtype=positions.dtype)
    ang = positions[..., None] * base ** (-two_i / d_model)
    return torch.cat([ang.sin(), ang.cos()], dim=-1)


def _sin_cos_swapped(positions, d_model, base=10000.0):
    two_i = torch.arange(0, d_model, 2, dtype=positions.dtype)
    ang = positions[..., None] * base ** (-two_i / d_model)
    return torch.stack([ang.cos(), ang.sin()], dim=-1).flatten(-2)


def _i_over_d(positions, d_model, base=10000.0):
    i = torch.arange(d_model // 2, dtype=positions.dtype)
    ang = positions[..., None] * base ** (-i / d_model)
    return torch.stack([ang.sin(), ang.cos()], dim=-1).flatten(-2)


def _base_ignored(positions, d_model, base=10000.0):
    return sinusoidal_positions(positions, d_model, 10000.0)


MISTAKES = [
    Mistake("sines then cosines", _halves, "All the sines come first, then all the cosines; this problem interleaves "
            "them (sin on even features, cos on odd).", "torch.stack([sin, cos], dim=-1).flatten(-2)."),
    Mistake("sin and cos swapped", _sin_cos_swapped, "Cosines are on the even features.", "sin on 2i, cos on 2i + 1."),
    Mistake("exponent i / d_model", _i_over_d, "The frequencies use i / d_model instead of 2i / d_model.",
            "freq_i = base ** (-2 * i / d_model)."),
    Mistake("base ignored", _base_ignored, "The code uses 10000 whatever base it is given.", "Use the base argument."),
]
