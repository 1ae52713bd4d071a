"""Hidden reference for lora-linear: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def lora_linear(x, w, a, b, alpha):
    r = a.shape[1]
    return x @ w + (alpha / r) * ((x @ a) @ b)


def _inputs(g, lead, d_in, d_out, r, alpha, dtype=torch.float32):
    return {"x": randn(g, *lead, d_in, dtype=dtype),
            "w": randn(g, d_in, d_out, dtype=dtype, scale=d_in ** -0.5),
            "a": randn(g, d_in, r, dtype=dtype, scale=d_in ** -0.5),
            "b": randn(g, r, d_out, dtype=dtype, scale=0.5),  # a trained update: B has moved away from its zero init
            "alpha": alpha}


def cases(seed: int) -> list[Case]:
    def c(name, about, *args, **kw):
        return Case(name, _inputs(generator(seed, name), *args, **kw), about)

    return [
        c("typical (2, 5, 16) -> 24, r = 4, alpha = 8", "scale alpha / r = 2", (2, 5), 16, 24, 4, 8.0),
        c("rank 1 (3, 12) -> 10, alpha = 4", "the smallest update", (3,), 12, 10, 1, 4.0),
        c("full rank (2, 4, 8) -> 8, r = 8, alpha = 2", "r = d_in: scale 1/4", (2, 4), 8, 8, 8, 2.0),
        c("alpha = 1, r = 2 (2, 6, 12) -> 6", "scale 1/2", (2, 6), 12, 6, 2, 1.0),
        c("2-D input (7, 20) -> 14, r = 3, alpha = 16", "no batch dimension", (7,), 20, 14, 3, 16.0),
        c("float64 (2, 5, 16) -> 12, r = 4, alpha = 6", "keep the input's dtype", (2, 5), 16, 12, 4, 6.0,
          dtype=torch.float64),
    ]


def _alpha_only(x, w, a, b, alpha):
    return x @ w + alpha * ((x @ a) @ b)


def _no_scale(x, w, a, b, alpha):
    return x @ w + (x @ a) @ b


def _r_over_alpha(x, w, a, b, alpha):
    return x @ w + (a.shape[1] / alpha) * ((x @ a) @ b)


def _frozen_only(x, w, a, b, alpha):
    return x @ w


MISTAKES = [
    Mistake("scaled by alpha, not alpha / r", _alpha_only, "The update was scaled by alpha; LoRA scales by alpha / r.",
            "r = a.shape[1]; scale = alpha / r."),
    Mistake("update not scaled", _no_scale, "The low-rank update was added without its alpha / r factor.",
            "Multiply (x @ a) @ b by alpha / r."),
    Mistake("scale inverted (r / alpha)", _r_over_alpha, "The factor is r / alpha; it is alpha / r.", "alpha / r."),
    Mistake("low-rank path missing", _frozen_only, "Only the frozen layer x @ w was computed.",
            "Add (alpha / r) * (x @ a) @ b."),
]
