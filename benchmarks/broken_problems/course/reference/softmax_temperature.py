"""Hidden reference for softmax-temperature: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def softmax_with_temperature(logits, temperature=1.0):
    logits -= logits.amax(dim=-1, keepdim=True)  # role: the row maximum subtracted (stability; T > 0 keeps it the max)
    e = torch.exp(logits / temperature)
    return e / e.sum(dim=-1, keepdim=True)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    ninf = randn(g("ninf"), 4, 12, scale=2.0)
    ninf[torch.rand(4, 12, generator=g("ninf-mask")) < 0.3] = float("-inf")
    ninf[:, 0] = randn(g("ninf-keep"), 4)  # never a whole row of -inf
    return [
        Case("typical (4, 20), T = 0.7", {"logits": randn(g("typical"), 4, 20, scale=2.0), "temperature": 0.7},
             "a batch of next-token logits"),
        Case("default temperature (3, 15)", {"logits": randn(g("default"), 3, 15, scale=2.0)}, "T = 1"),
        Case("cold T = 0.05 (3, 16)", {"logits": randn(g("cold"), 3, 16, scale=3.0), "temperature": 0.05},
             "z / T in the hundreds: exp overflows without the max subtracted"),
        Case("hot T = 20 (2, 30)", {"logits": randn(g("hot"), 2, 30, scale=3.0), "temperature": 20.0},
             "a nearly flat distribution"),
        Case("large logits ~1e4 (3, 10)", {"logits": randn(g("large"), 3, 10, scale=3.0, shift=1e4),
                                            "temperature": 2.0},  # a power of two: logits / T is exact in float32
             "exp(1e4) is inf"),
        Case("-inf entries (4, 12), T = 0.9", {"logits": ninf, "temperature": 0.9}, "forbidden tokens get 0"),
        Case("3-D (2, 3, 8), T = 1.3", {"logits": randn(g("3d"), 2, 3, 8, scale=2.0), "temperature": 1.3},
             "softmax over the last dimension only"),
        Case("float64 (3, 25), T = 0.6", {"logits": randn(g("f64"), 3, 25, scale=2.0, dtype=torch.float64),
                                          "temperature": 0.6}, "keep the input's dtype"),
    ]


def _no_temperature(logits, temperature=1.0):
    return softmax_with_temperature(logits, 1.0)


def _times_temperature(logits, temperature=1.0):
    return softmax_with_temperature(logits * temperature, 1.0)


def _naive(logits, temperature=1.0):
    e = torch.exp(logits / temperature)
    return e / e.sum(dim=-1, keepdim=True)


def _wrong_axis(logits, temperature=1.0):
    z = logits / temperature
    z = z - z.amax(dim=0, keepdim=True)
    e = torch.exp(z)
    return e / e.sum(dim=0, keepdim=True)


def _temperature_after(logits, temperature=1.0):
    p = softmax_with_temperature(logits, 1.0) / temperature
    return p


MISTAKES = [
    Mistake("temperature ignored", _no_temperature, "The distribution is that of T = 1.",
            "Divide the logits by the temperature before exp."),
    Mistake("temperature multiplied", _times_temperature, "The logits were multiplied by T instead of divided.",
            "z = logits / temperature."),
    Mistake("exp without the max subtracted", _naive, "exp overflows to inf for large logits / T: inf / inf is NaN.",
            "Subtract the row maximum first."),
    Mistake("softmax over the first dimension", _wrong_axis, "The normalisation runs over dimension 0.",
            "Use dim=-1."),
    Mistake("probabilities divided by T", _temperature_after, "The temperature divides the probabilities, which "
            "then do not sum to 1.", "Apply T to the logits."),
]
