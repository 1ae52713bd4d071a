"""Hidden reference for logit-softcap: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def soft_cap(logits, cap):
    return cap * torch.tanh(logits / cap)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        Case("typical logits (4, 50), cap = 30", {"logits": randn(g("typical"), 4, 50, scale=20.0), "cap": 30.0},
             "some logits near the cap"),
        Case("attention scores (2, 4, 8, 8), cap = 50",
             {"logits": randn(g("scores"), 2, 4, 8, 8, scale=40.0), "cap": 50.0}, "a batch of heads"),
        Case("huge logits, cap = 30", {"logits": randn(g("huge"), 3, 20, scale=1e6), "cap": 30.0},
             "squashed to +-cap"),
        Case("small cap = 1.5", {"logits": randn(g("small"), 5, 12, scale=3.0), "cap": 1.5}, "use the cap given"),
        Case("0-d tensor", {"logits": randn(g("scalar"), 1, scale=10.0).reshape(()), "cap": 5.0}, "a single value"),
        Case("float64 (3, 40), cap = 20", {"logits": randn(g("f64"), 3, 40, scale=25.0, dtype=torch.float64),
                                           "cap": 20.0}, "keep the input's dtype"),
    ]


def _clamp(logits, cap):
    return logits.clamp(-cap, cap)


def _no_rescale(logits, cap):
    return torch.tanh(logits / cap)


def _not_divided(logits, cap):
    return cap * torch.tanh(logits)


def _fixed_cap(logits, cap):
    return soft_cap(logits, 30.0)


MISTAKES = [
    Mistake("hard clamp", _clamp, "Clamping is a hard cap; the soft cap uses tanh.", "cap * tanh(logits / cap)."),
    Mistake("not multiplied back by the cap", _no_rescale, "The result lies in (-1, 1).", "Multiply by cap."),
    Mistake("logits not divided by the cap", _not_divided, "tanh(logits) saturates at |x| ~ 3.",
            "Divide by cap inside the tanh."),
    Mistake("cap argument ignored", _fixed_cap, "The code uses 30 whatever cap it is given.", "Use the cap parameter."),
]
