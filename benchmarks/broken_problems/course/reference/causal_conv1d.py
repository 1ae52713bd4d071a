"""Hidden reference for causal-conv1d: the solution, its cases and its known mistakes."""

import torch
import torch.nn.functional as F

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def causal_conv1d(x, weight, bias=None, dilation=1):
    K = weight.shape[-1]
    T = x.shape[-1]
    xp = F.pad(x, ((K - 1) * dilation, 0))  # role: zeros on the left only (causal)
    y = torch.zeros_like(x)
    for k in range(K):  # role: the loop over the taps
        start = k * dilation
        y = y + weight[:, k, None] * xp[..., start:start + T]
    if bias is not None:
        y = y + bias[:, None]
    return y


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, N, C, T, K, about, bias=True, dilation=None, dtype=torch.float32):
        inputs = {"x": randn(g(key), N, C, T, dtype=dtype), "weight": randn(g(key + "-w"), C, K, dtype=dtype)}
        if bias:
            inputs["bias"] = randn(g(key + "-b"), C, dtype=dtype)
        if dilation is not None:
            inputs["dilation"] = dilation
        return Case(name, inputs, about)

    return [
        case("typical (2, 4, 12), K = 4, bias", "typical", 2, 4, 12, 4, "a batch of channels over time"),
        case("no bias (3, 3, 10), K = 3", "nobias", 3, 3, 10, 3, "bias defaults to None", bias=False),
        case("dilation 2 (2, 3, 16), K = 3", "dil2", 2, 3, 16, 3, "taps two steps apart", dilation=2),
        case("dilation 3 (1, 2, 20), K = 4", "dil3", 1, 2, 20, 4, "taps three steps apart", dilation=3),
        case("K = 1 (2, 5, 7)", "k1", 2, 5, 7, 1, "a per-channel scale and shift: no padding at all"),
        case("kernel longer than the sequence (2, 2, 3), K = 5", "long-k", 2, 2, 3, 5,
             "most taps fall on the padding"),
        case("float64 (2, 3, 9), K = 3, dilation 2", "f64", 2, 3, 9, 3, "keep the input's dtype", dilation=2,
             dtype=torch.float64),
    ]


def _flipped(x, weight, bias=None, dilation=1):
    return causal_conv1d(x, weight.flip(-1), bias, dilation)


def _centred(x, weight, bias=None, dilation=1):
    K = weight.shape[-1]
    T = x.shape[-1]
    left = (K - 1) * dilation // 2
    xp = F.pad(x, (left, (K - 1) * dilation - left))
    y = sum(weight[:, k, None] * xp[..., k * dilation:k * dilation + T] for k in range(K))
    return y + (bias[:, None] if bias is not None else 0)


def _dilation_ignored(x, weight, bias=None, dilation=1):
    return causal_conv1d(x, weight, bias, 1)


def _channels_mixed(x, weight, bias=None, dilation=1):
    y = causal_conv1d(x, weight, None, dilation).sum(dim=1, keepdim=True).expand_as(x)
    return y + (bias[:, None] if bias is not None else 0)


MISTAKES = [
    Mistake("taps flipped", _flipped, "weight[:, 0] multiplies the current step; the last tap should.",
            "Tap k looks (K - 1 - k) * dilation steps back (conv1d does not flip)."),
    Mistake("padding on both sides", _centred, "The convolution is centred: outputs see future inputs.",
            "Pad (K - 1) * dilation zeros on the left only."),
    Mistake("dilation ignored", _dilation_ignored, "The taps are adjacent whatever the dilation.",
            "Space the taps dilation steps apart."),
    Mistake("channels summed", _channels_mixed, "The channels were summed: a depthwise filter keeps them apart.",
            "No sum over dimension 1."),
]
