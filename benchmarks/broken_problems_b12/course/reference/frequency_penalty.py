"""Hidden reference for frequency-penalty: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def apply_penalties(logits, token_ids, frequency_penalty, presence_penalty):
    ones = torch.ones_like(token_ids, dtype=logits.dtype)
    counts = torch.zeros_like(logits).scatter_add(-1, token_ids, ones)  # (N, V) occurrences
    return logits - frequency_penalty * counts - presence_penalty * (counts > 0).to(logits.dtype)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, N, V, L, fp, pp, about, dtype=torch.float32):
        gen = g(name)
        inputs = {"logits": randn(gen, N, V, scale=3.0, dtype=dtype), "token_ids": randint(gen, V, N, L),
                  "frequency_penalty": fp, "presence_penalty": pp}
        return Case(name, inputs, about)

    return [
        case("typical (3, 20), L = 12", 3, 20, 12, 0.5, 0.8, "both penalties"),
        case("frequency only", 2, 15, 20, 0.7, 0.0, "the count matters"),
        case("presence only", 2, 15, 20, 0.0, 1.2, "paid once per token"),
        case("negative penalties", 3, 12, 10, -0.3, -0.5, "encourage repetition"),
        case("long history (2, 8), L = 60", 2, 8, 60, 0.2, 0.4, "many repeats"),
        case("float64", 3, 25, 15, 0.6, 0.9, "keep the input's dtype", dtype=torch.float64),
    ]


def _swapped(logits, token_ids, frequency_penalty, presence_penalty):
    return apply_penalties(logits, token_ids, presence_penalty, frequency_penalty)


def _presence_per_count(logits, token_ids, frequency_penalty, presence_penalty):
    counts = torch.zeros_like(logits).scatter_add(-1, token_ids, torch.ones_like(token_ids, dtype=logits.dtype))
    return logits - (frequency_penalty + presence_penalty) * counts


def _scatter_overwrites(logits, token_ids, frequency_penalty, presence_penalty):
    seen = torch.zeros_like(logits).scatter(-1, token_ids, 1.0)
    return logits - (frequency_penalty + presence_penalty) * seen


def _added(logits, token_ids, frequency_penalty, presence_penalty):
    return 2 * logits - apply_penalties(logits, token_ids, frequency_penalty, presence_penalty)


MISTAKES = [
    Mistake("penalties swapped", _swapped, "The frequency penalty was paid once and the presence penalty per count.",
            "frequency * count + presence * (count > 0)."),
    Mistake("presence paid per occurrence", _presence_per_count, "The presence penalty was multiplied by the count.",
            "Use (count > 0)."),
    Mistake("counts capped at 1 (scatter overwrites)", _scatter_overwrites,
            "scatter writes 1 however often a token occurs: the frequency penalty ignores repeats.",
            "Use scatter_add (or bincount) to count."),
    Mistake("penalties added", _added, "The penalties were added to the logits.", "Subtract them."),
]
