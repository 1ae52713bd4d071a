"""Hidden reference for sliding-window-softmax: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def sliding_window_softmax(scores, window):
    T = scores.shape[-1]
    i = torch.arange(T, device=scores.device)[:, None]  # role: query positions
    j = torch.arange(T, device=scores.device)[None, :]  # role: key positions
    visible = (j <= i) & (i - j < window)  # role: the causal window of `window` keys
    return torch.softmax(scores.masked_fill(~visible, float("-inf")), dim=-1)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, shape, window, about, dtype=torch.float32):
        return Case(name, {"scores": randn(g(name), *shape, scale=2.0, dtype=dtype), "window": window}, about)

    return [
        case("typical (2, 4, 10, 10), window = 3", (2, 4, 10, 10), 3, "a batch of heads"),
        case("one matrix (12, 12), window = 5", (12, 12), 5, "no batch dimensions"),
        case("edge: window = 1", (2, 8, 8), 1, "each query sees only itself"),
        case("window = T", (2, 9, 9), 9, "ordinary causal attention"),
        case("window wider than T", (1, 3, 7, 7), 20, "still causal"),
        case("float64 (2, 11, 11), window = 4", (2, 11, 11), 4, "keep the input's dtype", dtype=torch.float64),
    ]


def _inclusive(scores, window):
    return sliding_window_softmax(scores, window + 1)


def _not_causal(scores, window):
    T = scores.shape[-1]
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return torch.softmax(scores.masked_fill((i - j).abs() >= window, float("-inf")), dim=-1)


def _zero_fill(scores, window):
    T = scores.shape[-1]
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    return torch.softmax(scores.masked_fill(~((j <= i) & (i - j < window)), 0.0), dim=-1)


def _transposed(scores, window):
    return sliding_window_softmax(scores.transpose(-1, -2), window).transpose(-1, -2)


MISTAKES = [
    Mistake("window one too wide", _inclusive,
            "Each query sees window + 1 keys (i - j <= window); the window counts the query itself.",
            "Keep keys with i - j < window."),
    Mistake("two-sided band", _not_causal, "Keys after the query are visible: the window must be causal too.",
            "Also require j <= i."),
    Mistake("masked with 0 instead of -inf", _zero_fill, "exp(0) = 1: masked keys keep some weight.",
            "Fill with float('-inf')."),
    Mistake("softmax over the queries", _transposed, "The mask was built with queries along the last axis.",
            "Queries are dim -2, keys dim -1; softmax over dim=-1."),
]
