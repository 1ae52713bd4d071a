"""Hidden reference for softmax-temperature: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def softmax_t(logits, temperature=1.0):
    z = logits / temperature
    e = torch.exp(z - z.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)


def _with_ninf(x, g, n):
    x = x.clone()
    rows = x.reshape(-1, x.shape[-1])
    for r in rows:
        r[torch.randperm(r.numel(), generator=g)[:n]] = float("-inf")
    return rows.reshape(x.shape)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def c(name, about, *shape, temperature=None, dtype=torch.float32, scale=2.0, shift=0.0, n_inf=0):
        gen = g(name)
        logits = randn(gen, *shape, dtype=dtype, scale=scale, shift=shift)
        if n_inf:
            logits = _with_ninf(logits, gen, n_inf)
        inputs = {"logits": logits}
        if temperature is not None:
            inputs["temperature"] = temperature
        return Case(name, inputs, about)

    return [
        c("typical (4, 20), default temperature", "T = 1", 4, 20),
        c("1-D (30,), T = 0.5", "one distribution", 30, temperature=0.5),
        c("3-D (2, 3, 16), T = 2", "every position of every sequence", 2, 3, 16, temperature=2.0),
        c("cold: T = 0.1 (3, 25)", "logits / T reach about 80: exp overflows without the max", 3, 25,
          temperature=0.1, scale=3.0),
        c("hot: T = 10 (3, 25)", "nearly flat", 3, 25, temperature=10.0),
        c("large logits around 100 (4, 12), T = 0.7", "exp(140) is inf in float32", 4, 12, temperature=0.7,
          shift=100.0),
        c("-inf logits (3, 15), T = 1.5", "banned tokens keep probability 0", 3, 15, temperature=1.5, n_inf=4),
        c("float64 (3, 20), T = 0.8", "keep the input's dtype", 3, 20, temperature=0.8, dtype=torch.float64),
    ]


def _via_logsumexp(logits, temperature=1.0):
    z = logits / temperature
    return torch.exp(z - torch.logsumexp(z, dim=-1, keepdim=True))


CORRECT_VARIANTS = [_via_logsumexp]


def _naive(logits, temperature=1.0):
    e = torch.exp(logits / temperature)
    return e / e.sum(dim=-1, keepdim=True)


def _times_t(logits, temperature=1.0):
    return softmax_t(logits * temperature, 1.0)


def _no_t(logits, temperature=1.0):
    return softmax_t(logits, 1.0)


def _wrong_axis(logits, temperature=1.0):
    z = logits / temperature
    e = torch.exp(z - z.amax(dim=0, keepdim=True))
    return e / e.sum(dim=0, keepdim=True)


MISTAKES = [
    Mistake("max not subtracted (exp overflows)", _naive, "exp(z) is inf for large z, and inf / inf is NaN.",
            "Subtract z.amax(-1, keepdim=True) before exp."),
    Mistake("logits multiplied by the temperature", _times_t, "Temperature divides the logits.", "logits / temperature."),
    Mistake("temperature ignored", _no_t, "The softmax is taken at T = 1.", "Divide the logits by the temperature."),
    Mistake("softmax over the first axis", _wrong_axis, "The normalisation runs over dim 0, not over the vocabulary.",
            "dim=-1 in both the max and the sum."),
]
