"""Hidden reference for causal-conv1d: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def causal_conv1d(x, weight, bias):
    N, T, C = x.shape
    K = weight.shape[1]
    xp = torch.cat([x.new_zeros(N, K - 1, C), x], dim=1)  # role: left padding of K - 1 zeros
    y = bias.expand(N, T, C)
    for k in range(K):  # role: the loop over taps
        y = y + xp[:, k : k + T, :] * weight[:, k]
    return y


def cases(seed: int) -> list[Case]:
    def c(name, about, N, T, C, K, dtype=torch.float32):
        g = generator(seed, name)
        return Case(name, {"x": randn(g, N, T, C, dtype=dtype), "weight": randn(g, C, K, dtype=dtype, scale=0.5),
                           "bias": randn(g, C, dtype=dtype, scale=0.5)}, about)

    return [
        c("K = 4 (2, 10, 6)", "Mamba's kernel size", 2, 10, 6, 4),
        c("K = 1 (2, 5, 4)", "one tap: a per-channel scale plus bias", 2, 5, 4, 1),
        c("K longer than T (2, 3, 5), K = 5", "most taps read the zero padding", 2, 3, 5, 5),
        c("one sequence (1, 12, 8), K = 3", "N = 1", 1, 12, 8, 3),
        c("one channel (3, 9, 1), K = 2", "C = 1", 3, 9, 1, 2),
        c("float64 (2, 8, 5), K = 4", "keep the input's dtype", 2, 8, 5, 4, dtype=torch.float64),
    ]


def _flipped(x, weight, bias):
    return causal_conv1d(x, weight.flip(-1), bias)


def _not_causal(x, weight, bias):
    N, T, C = x.shape
    K = weight.shape[1]
    left = (K - 1) // 2
    xp = torch.cat([x.new_zeros(N, left, C), x, x.new_zeros(N, K - 1 - left, C)], dim=1)
    y = bias.expand(N, T, C)
    for k in range(K):
        y = y + xp[:, k : k + T, :] * weight[:, k]
    return y


def _no_bias(x, weight, bias):
    return causal_conv1d(x, weight, torch.zeros_like(bias))


MISTAKES = [
    Mistake("taps reversed (convolution, not correlation)", _flipped,
            "weight[c, 0] multiplied the current position; weight[c, K - 1] does.",
            "Tap k reads x[t - (K - 1) + k]."),
    Mistake("centred window (not causal)", _not_causal, "The window was padded on both sides: position t sees the future.",
            "Pad K - 1 zeros on the left only."),
    Mistake("bias missing", _no_bias, "The bias was not added.", "Start the sum from bias."),
]
