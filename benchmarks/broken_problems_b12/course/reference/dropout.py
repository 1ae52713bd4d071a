"""Hidden reference for dropout: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def dropout(x, p, training, u):
    if not training:
        return x.clone()
    return torch.where(u >= p, x / (1 - p), torch.zeros_like(x))


def _inputs(g, shape, p, training, dtype=torch.float32):
    x = randn(g, *shape, dtype=dtype, scale=2.0)
    u = torch.rand(*shape, generator=g, dtype=torch.float64).to(dtype)
    if float(torch.tensor(p, dtype=dtype)) == p:  # p exact in this dtype (0, 0.5): no rounding question
        u.view(-1)[:3] = p  # u exactly p: kept (u >= p), which tells >= from >
    return {"x": x, "p": p, "training": training, "u": u}


TRAIN = "train p = 0.5 (4, 16)"


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        Case(TRAIN, _inputs(g("train-half"), (4, 16), 0.5, True), "half the elements dropped, the rest doubled"),
        Case("train p = 0.1 (2, 5, 12)", _inputs(g("train-low"), (2, 5, 12), 0.1, True), "a typical rate"),
        Case("train p = 0.9 (64,)", _inputs(g("train-high"), (64,), 0.9, True), "most dropped, survivors x10"),
        Case("train p = 0", _inputs(g("train-zero"), (3, 8), 0.0, True), "nothing dropped, nothing scaled"),
        Case("eval p = 0.5", _inputs(g("eval"), (3, 10), 0.5, False), "evaluation: the identity"),
        Case("eval p = 0.5, 3-D", _inputs(g("eval-3d"), (2, 3, 7), 0.5, False), "the identity on any shape"),
        Case("float64 train p = 0.3", _inputs(g("f64"), (3, 9), 0.3, True, dtype=torch.float64),
             "keep the input's dtype"),
    ]


def _no_rescale(x, p, training, u):
    return torch.where(u >= p, x, torch.zeros_like(x)) if training else x.clone()


def _scaled_at_eval(x, p, training, u):
    return dropout(x, p, training, u) if training else x * (1 - p)


def _always_drops(x, p, training, u):
    return dropout(x, p, True, u)


def _keeps_below(x, p, training, u):
    return torch.where(u < p, x / (1 - p), torch.zeros_like(x)) if training else x.clone()


def _multiplied(x, p, training, u):
    return torch.where(u >= p, x * (1 - p), torch.zeros_like(x)) if training else x.clone()


MISTAKES = [
    Mistake("survivors not rescaled", _no_rescale, "Kept elements must be divided by 1 - p.",
            "x / (1 - p) where u >= p."),
    Mistake("scaled at evaluation", _scaled_at_eval, "Inverted dropout leaves evaluation untouched.",
            "Return x when training is False."),
    Mistake("drops at evaluation", _always_drops, "The training flag was ignored.", "Return x when not training."),
    Mistake("keeps where u < p", _keeps_below, "The comparison is reversed: elements with u < p are dropped.",
            "keep = u >= p."),
    Mistake("multiplied by 1 - p", _multiplied, "Survivors were multiplied by 1 - p instead of divided.",
            "Divide by 1 - p."),
]
